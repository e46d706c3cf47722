using Microsoft.Extensions.Logging;

namespace HeartStream.Pipeline.Live;

/// <summary>Source-generated log messages of the live pipeline: device life-cycle only, never per chunk or beat.</summary>
internal static partial class LiveLog
{
    [LoggerMessage(100, LogLevel.Information, "Device {DeviceId} online at {SampleRate} Hz.")]
    public static partial void DeviceOnline(ILogger logger, string deviceId, int sampleRate);

    [LoggerMessage(101, LogLevel.Information, "Device {DeviceId} ended after {Seconds:0.0} s of audio ({Dropped} samples dropped at capture).")]
    public static partial void DeviceEnded(ILogger logger, string deviceId, double seconds, long dropped);

    [LoggerMessage(102, LogLevel.Warning, "Device {DeviceId} failed: {Reason}")]
    public static partial void DeviceFailed(ILogger logger, string deviceId, string reason);

    [LoggerMessage(103, LogLevel.Error, "The live pipeline failed; aborting every device.")]
    public static partial void PipelineFailed(ILogger logger, Exception exception);

    [LoggerMessage(104, LogLevel.Information, "Live pipeline drained: {Devices} devices, {Seconds:0.0} s of audio analysed, {Dropped} samples dropped.")]
    public static partial void Drained(ILogger logger, int devices, double seconds, long dropped);

    [LoggerMessage(105, LogLevel.Warning, "Device {DeviceId}: its analyzer exposes no feature frames, so it runs without live classification.")]
    public static partial void ClassifiersNotAttached(ILogger logger, string deviceId);

    [LoggerMessage(106, LogLevel.Error, "Device {DeviceId}: {Reason}; this classifier stops for the device, segmentation, vitals and the other classifiers go on.")]
    public static partial void ClassifierFailed(ILogger logger, string deviceId, string reason);
}
