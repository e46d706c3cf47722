using System.Globalization;
using HeartStream.Pipeline.Segmentation;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Segmentation;

/// <summary>
/// Real timing, synthetic observations: the CirCor expert-corrected segmentations (../shared/data) give true state
/// sequences with real heart rates and beat-to-beat variation; emissions and an envelope are generated from them with
/// noise. Checks that the duration model and the heart-rate estimator fit real hearts, not only ideal trains.
/// Returns early with a message when the data set is absent.
/// </summary>
public sealed class CirCorTimingTests(ITestOutputHelper output)
{
    private static HeartState[]? ReadStates(string tsv, out int firstAnnotated, out int lastAnnotated)
    {
        var frames = new List<int>();
        foreach (string line in File.ReadLines(tsv))
        {
            string[] f = line.Split('\t');
            if (f.Length < 3)
            {
                continue;
            }

            double a = double.Parse(f[0], CultureInfo.InvariantCulture);
            double b = double.Parse(f[1], CultureInfo.InvariantCulture);
            int state = int.Parse(f[2], CultureInfo.InvariantCulture);
            for (int t = (int)Math.Round(a * 50); t < (int)Math.Round(b * 50); t++)
            {
                while (frames.Count <= t)
                {
                    frames.Add(0);
                }

                frames[t] = state;
            }
        }

        firstAnnotated = frames.FindIndex(s => s > 0);
        lastAnnotated = frames.FindLastIndex(s => s > 0);
        if (firstAnnotated < 0 || lastAnnotated - firstAnnotated < 250 || frames.Skip(firstAnnotated).Take(lastAnnotated - firstAnnotated + 1).Any(s => s == 0))
        {
            return null;
        }

        return frames.Skip(firstAnnotated).Take(lastAnnotated - firstAnnotated + 1).Select(s => (HeartState)(s - 1)).ToArray();
    }

    [Fact]
    public void Decode_CirCorAnnotatedTimingWithNoisyEmissions_AgreesWithAnnotation()
    {
        string? data = RepoPaths.SharedData;
        if (data is null)
        {
            output.WriteLine("shared data set absent (../shared/data or HEARTSTREAM_DATA): nothing checked");
            return;
        }

        string[] files = Directory.GetFiles(Path.Combine(data, "circor", "training_data"), "*.tsv").Order(StringComparer.Ordinal).Take(150).ToArray();
        var decoder = new HsmmDecoder(4000);
        var estimator = new HeartRateEstimator(4000);
        var accuracies = new List<double>();
        var hrErrors = new List<double>();
        var rng = new Random(1);
        foreach (string file in files)
        {
            HeartState[]? truth = ReadStates(file, out _, out _);
            if (truth is null || truth.Length > 4000)
            {
                continue;
            }

            int s1Starts = 0;
            int first = -1, last = -1;
            for (int t = 1; t < truth.Length; t++)
            {
                if (truth[t] == HeartState.S1 && truth[t - 1] != HeartState.S1)
                {
                    s1Starts++;
                    first = first < 0 ? t : first;
                    last = t;
                }
            }

            if (s1Starts < 4)
            {
                continue;
            }

            double trueBpm = 60.0 * 50 * (s1Starts - 1) / (last - first);
            var envelope = new float[truth.Length];
            for (int t = 0; t < truth.Length; t++)
            {
                envelope[t] = (truth[t] switch { HeartState.S1 => 1f, HeartState.S2 => 0.7f, _ => 0f }) + (float)(0.1 * SyntheticHeart.Gaussian(rng));
            }

            if (!estimator.TryEstimate(envelope, out HeartRateEstimate hr))
            {
                continue;
            }

            hrErrors.Add(Math.Abs(hr.Bpm - trueBpm) / trueBpm);
            if (Math.Abs(hr.Bpm - trueBpm) / trueBpm >= 0.05)
            {
                output.WriteLine($"{Path.GetFileName(file)}: annotated {trueBpm:F1} bpm, estimated {hr.Bpm:F1} (confidence {hr.Confidence:F2}), systole {hr.SystoleSeconds:F3}");
            }

            float[] emissions = SyntheticHeart.Emissions(truth, hit: 0.55, noise: 0.6, seed: accuracies.Count);
            HeartState[] decoded = decoder.Decode(emissions, hr);
            accuracies.Add(truth.Zip(decoded).Count(p => p.First == p.Second) / (double)truth.Length);
        }

        accuracies.Sort();
        hrErrors.Sort();
        double medianAccuracy = accuracies[accuracies.Count / 2];
        double p10Accuracy = accuracies[accuracies.Count / 10];
        double withinFivePercent = hrErrors.Count(e => e < 0.05) / (double)hrErrors.Count;
        output.WriteLine($"{accuracies.Count} recordings: frame agreement median {medianAccuracy:P1}, 10th percentile {p10Accuracy:P1}; HR within 5 %: {withinFivePercent:P1}");
        Assert.True(accuracies.Count >= 50, $"only {accuracies.Count} usable recordings");
        Assert.True(medianAccuracy > 0.9, $"median agreement {medianAccuracy:P1}");
        Assert.True(withinFivePercent > 0.88, $"HR within 5 % for {withinFivePercent:P1}");
    }
}
