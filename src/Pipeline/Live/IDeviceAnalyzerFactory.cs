namespace HeartStream.Pipeline.Live;

/// <summary>
/// Makes the analyzer of a device once its sample rate is known. The place where the analysis implementation is
/// chosen: per-device logistic segmentation today, a front end feeding a shared cross-device batched ONNX stage later.
/// </summary>
public interface IDeviceAnalyzerFactory
{
    /// <summary>A new analyzer for one device stream.</summary>
    /// <exception cref="ArgumentException">The rate cannot be analysed (the message says why); only this device fails.</exception>
    IDeviceAnalyzer Create(string deviceId, int sampleRate);
}
