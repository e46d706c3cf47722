using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// A device analyzer whose push has to wait for something shared, such as a cross-device batched inference stage:
/// <see cref="DeviceAnalysisStage"/> awaits <see cref="PushAsync"/> and <see cref="FlushAsync"/> instead of calling the
/// synchronous <see cref="IDeviceAnalyzer"/> methods. Same contract otherwise: chunk sizes do not change the sounds,
/// no allocation per chunk in steady state, audio it cannot use (or a failed inference batch) throws
/// <see cref="ArgumentException"/>, <see cref="InvalidOperationException"/> or <see cref="InvalidDataException"/> and
/// ends only that device. Not thread-safe: one push or flush at a time.
/// </summary>
public interface IAsyncDeviceAnalyzer
{
    /// <summary>Consumes a chunk of audio and appends every sound that became final. The chunk is not used after the returned task completes.</summary>
    ValueTask PushAsync(ReadOnlyMemory<float> audio, List<HeartSound> finalized, CancellationToken cancellationToken = default);

    /// <summary>End of stream: appends the remaining sounds.</summary>
    ValueTask FlushAsync(List<HeartSound> finalized, CancellationToken cancellationToken = default);

    /// <summary>Stream time up to which sounds are final: every sound ending at or before it has been appended.</summary>
    double FinalizedSeconds { get; }
}
