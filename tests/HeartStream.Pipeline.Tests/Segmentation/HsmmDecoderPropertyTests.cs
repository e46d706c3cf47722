using FsCheck;
using FsCheck.Fluent;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Tests.Segmentation;

/// <summary>Invariants of the decoder on random (synthetic) emissions, lengths and heart rates.</summary>
public sealed class HsmmDecoderPropertyTests
{
    [Fact]
    public void Decode_RandomEmissions_CycleOrderAndInnerRunsWithinDurationBounds()
    {
        var decoder = new HsmmDecoder(600);
        var durations = new StateDuration[4];
        Prop.ForAll(
            Gen.Choose(1, 600).ToArbitrary(),
            Gen.Choose(30, 240).ToArbitrary(),
            Gen.Choose(0, int.MaxValue).ToArbitrary(),
            (frames, bpm, seed) =>
            {
                var rng = new Random(seed);
                float[] emissions = Enumerable.Range(0, frames * 4).Select(_ => (float)rng.NextDouble()).ToArray();
                var hr = new HeartRateEstimate(bpm, 0.1 + (0.3 * rng.NextDouble()), 1);
                var states = new HeartState[frames];
                decoder.Decode(emissions, hr, states);
                decoder.Durations.ComputeFrames(hr, 50, durations);

                if (!SyntheticHeart.IsCycleOrder(states))
                {
                    return false;
                }

                // Runs not touching either edge must respect their state's duration support.
                int start = 0;
                for (int t = 1; t <= frames; t++)
                {
                    if (t < frames && states[t] == states[start])
                    {
                        continue;
                    }

                    StateDuration d = durations[(int)states[start]];
                    if (start > 0 && t < frames && (t - start < d.Min || t - start > d.Max))
                    {
                        return false;
                    }

                    start = t;
                }

                return true;
            }).QuickCheckThrowOnFailure();
    }
}
