using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Inference.Models;

/// <summary>
/// The test inference a model must pass before it may serve (hot reload, start-up): one run over a deterministic,
/// synthetic feature window (smooth bursts at 72 bpm, not real audio) whose outputs must be finite probabilities that
/// sum to 1 per frame or per window. Catches a graph that loads but computes garbage (wrong export, NaN weights).
/// </summary>
public static class ModelSelfTest
{
    private const int Frames = 300;
    private const float Tolerance = 1e-3f;

    /// <summary>Throws <see cref="InvalidDataException"/> naming the model when its posteriors are not probabilities.</summary>
    public static void CheckSegmenter(NeuralSegmenter segmenter)
    {
        ArgumentNullException.ThrowIfNull(segmenter);
        OnnxEmissionModel model = segmenter.CreateEmissionModel();
        float[] features = Features(model.Channels);
        var posteriors = new float[Frames * LogisticEmissionModel.States];
        model.Predict(features, posteriors);
        CheckRows(posteriors, LogisticEmissionModel.States, segmenter.DisplayName);
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the model when its class probabilities are not probabilities.</summary>
    public static void CheckClassifier(OnnxWindowClassifier classifier, string name)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        float[] features = Features(classifier.Channels);
        var probabilities = new float[classifier.Classes];
        classifier.Predict(features, probabilities);
        CheckRows(probabilities, classifier.Classes, name);
    }

    private static float[] Features(int channels)
    {
        var features = new float[Frames * channels];
        for (int t = 0; t < Frames; t++)
        {
            double phase = (t % 42) / 42.0; // 72 bpm at 50 frames/s
            double burst = Math.Exp(-phase * 25) + (0.6 * Math.Exp(-Math.Abs(phase - 0.4) * 25));
            for (int c = 0; c < channels; c++)
            {
                features[(t * channels) + c] = (float)((2 * burst) - 0.5 + (0.1 * c));
            }
        }

        return features;
    }

    private static void CheckRows(ReadOnlySpan<float> values, int width, string name)
    {
        for (int row = 0; row < values.Length / width; row++)
        {
            float sum = 0;
            for (int k = 0; k < width; k++)
            {
                float v = values[(row * width) + k];
                if (!float.IsFinite(v) || v < -Tolerance || v > 1 + Tolerance)
                {
                    throw new InvalidDataException($"model {name} failed its test inference: output {v} at row {row} is not a probability");
                }

                sum += v;
            }

            if (Math.Abs(sum - 1) > Tolerance)
            {
                throw new InvalidDataException($"model {name} failed its test inference: outputs of row {row} sum to {sum}, not 1");
            }
        }
    }
}
