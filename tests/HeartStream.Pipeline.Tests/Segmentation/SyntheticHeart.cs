using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Tests.Segmentation;

/// <summary>
/// Synthetic (not recorded) test signals: beat-train envelopes and state sequences with known timing, plus emission
/// probabilities drawn from a known state sequence.
/// </summary>
internal static class SyntheticHeart
{
    public const double FrameRate = 50;

    /// <summary>
    /// Envelope at 50 frames/s of a synthetic beat train: S1 a raised-cosine bump 0.12 s wide, height 1, at each beat
    /// onset; S2 a bump 0.09 s wide, height <paramref name="s2Height"/>, <paramref name="systoleSeconds"/> later;
    /// small deterministic noise and beat-to-beat jitter (uniform, +-jitter/2 of the period).
    /// </summary>
    public static float[] BeatTrain(double bpm, double systoleSeconds, double seconds, double s2Height = 0.6, int seed = 1, double noise = 0.03, double jitter = 0.02)
    {
        int frames = (int)(seconds * FrameRate);
        var env = new float[frames];
        var rng = new Random(seed);
        double period = 60.0 / bpm;
        for (double onset = 0.05; onset < seconds; onset += period * (1 + (jitter * (rng.NextDouble() - 0.5))))
        {
            AddBump(env, onset, 0.12, 1.0);
            AddBump(env, onset + systoleSeconds, 0.09, s2Height);
        }

        for (int i = 0; i < frames; i++)
        {
            env[i] += (float)(noise * ((2 * rng.NextDouble()) - 1));
        }

        return env;
    }

    private static void AddBump(float[] env, double start, double width, double height)
    {
        for (int i = 0; i < env.Length; i++)
        {
            double u = ((i / FrameRate) - start) / width;
            if (u is >= 0 and <= 1)
            {
                env[i] += (float)(height * 0.5 * (1 - Math.Cos(2 * Math.PI * u)));
            }
        }
    }

    /// <summary>
    /// State sequence built from runs: starts with <paramref name="firstState"/> for <paramref name="firstRun"/> frames,
    /// then cycles with the durations in <paramref name="cycle"/> (indexed by state), each varied by the pattern
    /// in <paramref name="wobble"/>, until <paramref name="frames"/> frames.
    /// </summary>
    public static HeartState[] Sequence(int frames, HeartState firstState, int firstRun, int[] cycle, int[] wobble)
    {
        var states = new HeartState[frames];
        int t = 0;
        int state = (int)firstState;
        int run = firstRun;
        int k = 0;
        while (t < frames)
        {
            for (int i = 0; i < run && t < frames; i++)
            {
                states[t++] = (HeartState)state;
            }

            state = (state + 1) & 3;
            run = cycle[state] + wobble[k++ % wobble.Length];
        }

        return states;
    }

    /// <summary>
    /// Emission likelihoods T x 4 from a known sequence: the true state gets <paramref name="hit"/>, others share the
    /// rest; with <paramref name="noise"/> &gt; 0 log-normal noise (sd = noise) multiplies every entry.
    /// </summary>
    public static float[] Emissions(HeartState[] truth, double hit, double noise, int seed)
    {
        var rng = new Random(seed);
        var e = new float[truth.Length * 4];
        for (int t = 0; t < truth.Length; t++)
        {
            for (int s = 0; s < 4; s++)
            {
                double p = s == (int)truth[t] ? hit : (1 - hit) / 3;
                if (noise > 0)
                {
                    p *= Math.Exp(noise * Gaussian(rng));
                }

                e[(t * 4) + s] = (float)p;
            }
        }

        return e;
    }

    public static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>True when every frame where <paramref name="decoded"/> differs from the truth is within one frame of a true boundary.</summary>
    public static bool MatchesWithinOneFrame(HeartState[] truth, ReadOnlySpan<HeartState> decoded, out string firstMismatch)
    {
        firstMismatch = "";
        for (int t = 0; t < truth.Length; t++)
        {
            if (decoded[t] == truth[t])
            {
                continue;
            }

            // A boundary moved by one frame: the frame takes its neighbour's true state.
            bool ok = (t > 0 && truth[t - 1] == decoded[t]) || (t + 1 < truth.Length && truth[t + 1] == decoded[t]);
            if (!ok)
            {
                firstMismatch = $"frame {t}: truth {truth[t]}, decoded {decoded[t]}";
                return false;
            }
        }

        return true;
    }

    /// <summary>True when every change of state goes to the next state in the cycle.</summary>
    public static bool IsCycleOrder(ReadOnlySpan<HeartState> states)
    {
        for (int t = 1; t < states.Length; t++)
        {
            if (states[t] != states[t - 1] && (int)states[t] != (((int)states[t - 1] + 1) & 3))
            {
                return false;
            }
        }

        return true;
    }
}
