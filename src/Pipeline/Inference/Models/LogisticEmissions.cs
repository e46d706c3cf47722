using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Inference.Models;

/// <summary>The baseline's logistic emissions behind <see cref="IEmissionModel"/>, so callers can treat both models alike.</summary>
public sealed class LogisticEmissions : IEmissionModel
{
    private readonly LogisticEmissionModel _model;

    public LogisticEmissions(SegmenterParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _model = parameters.CreateModel();
    }

    public string Name => "baseline";

    public int Channels => _model.Channels;

    public void Predict(ReadOnlySpan<float> features, Span<float> posteriors) => _model.Predict(features, _model.Channels, posteriors);
}
