using HeartStream.Pipeline.Inference;
using HeartStream.Pipeline.Streaming;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// One device's live classifier of one model: observes the device's normalised frames (and 2 kHz audio), queues
/// results that the analysis stage reads after each push and turns into <see cref="Events.ClassificationEvent"/>s.
/// Not thread-safe: called on the device's analysis thread only.
/// </summary>
public interface ILiveClassifier : INormalizedFrameObserver
{
    /// <summary>"name version" of the model.</summary>
    string Identity { get; }

    /// <summary>Floats per result (<see cref="TryRead"/>).</summary>
    int ResultLength { get; }

    /// <summary>Why the classifier stopped (the model failed to run), or null; a failed classifier reports nothing more.</summary>
    string? Failure { get; }

    /// <summary>Takes the oldest waiting result: stream seconds at its end and <see cref="ResultLength"/> values.</summary>
    bool TryRead(out double streamSeconds, Span<float> result);

    /// <summary>Names the values of one result for the event (class names and alert keys).</summary>
    IReadOnlyDictionary<string, double> Name(ReadOnlySpan<float> result);
}

/// <summary>A loaded live classifier model shared by every device (one ONNX session); makes per-device classifiers.</summary>
public interface ILiveClassifierModel : IDisposable
{
    string Name { get; }

    string Version { get; }

    /// <summary>"name version".</summary>
    string Identity { get; }

    /// <summary>The shared session (thread-safe runs).</summary>
    OnnxSession Session { get; }

    /// <summary>A classifier for one device stream.</summary>
    ILiveClassifier CreateClassifier(double intervalSeconds, double averageSeconds);

    /// <summary>Runs the model on test input and checks its outputs; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    void SelfTest();
}
