namespace HeartStream.Pipeline.Events;

/// <summary>The state of a device stream as the service sees it.</summary>
public enum DeviceStatus
{
    /// <summary>Audio arrives and is analysed.</summary>
    Online,

    /// <summary>Audio arrives but holds no usable signal (silent or no heart sounds).</summary>
    NoSignal,

    /// <summary>The stream failed (corrupt file, bad frames); the reason says why. Other devices are unaffected.</summary>
    Error,

    /// <summary>The stream ended or the device stopped sending.</summary>
    Offline,
}
