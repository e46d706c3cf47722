namespace HeartStream.Pipeline.Live;

/// <summary>
/// Makes a device's live window classifiers (one per loaded model) when the device joins; the pipeline attaches
/// them to the device's analyzer and turns their results into <see cref="Events.ClassificationEvent"/>s.
/// </summary>
public interface ILiveClassifierFactory
{
    /// <summary>New classifiers for one device stream; empty when no model is loaded.</summary>
    IReadOnlyList<ILiveClassifier> Create(string deviceId);
}
