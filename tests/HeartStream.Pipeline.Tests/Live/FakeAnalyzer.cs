using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// A deterministic stand-in for the segmenter: an S1 at every multiple of <c>period</c> seconds of pushed audio and an S2
/// 0.3 s later, each final once the input has passed its end (so chunking cannot change them). Counts what it emits.
/// </summary>
internal sealed class FakeAnalyzer(int sampleRate, double period = 0.8, double failAfterSeconds = double.PositiveInfinity) : IDeviceAnalyzer
{
    private const double SoundSeconds = 0.1;
    private long _samples;
    private int _next; // index of the next sound: even = S1 of cycle k/2, odd = its S2

    public int Emitted { get; private set; }

    public double FinalizedSeconds => (double)_samples / sampleRate;

    public static int SoundsIn(double seconds, double period = 0.8)
    {
        int count = 0;
        for (int i = 0; ; i++)
        {
            double start = ((i / 2) * period) + (i % 2 == 0 ? 0 : 0.3);
            if (start + SoundSeconds > seconds)
            {
                return count;
            }

            count++;
        }
    }

    public void Push(ReadOnlySpan<float> audio, List<HeartSound> finalized)
    {
        _samples += audio.Length;
        if (FinalizedSeconds > failAfterSeconds)
        {
            throw new InvalidDataException("fake analyzer: audio rejected");
        }

        Emit(FinalizedSeconds, finalized);
    }

    public void Flush(List<HeartSound> finalized) => Emit(FinalizedSeconds, finalized);

    private void Emit(double until, List<HeartSound> finalized)
    {
        while (true)
        {
            double start = ((_next / 2) * period) + (_next % 2 == 0 ? 0 : 0.3);
            if (start + SoundSeconds > until)
            {
                return;
            }

            finalized.Add(new HeartSound(_next % 2 == 0 ? SoundType.S1 : SoundType.S2, start, start + SoundSeconds));
            _next++;
            Emitted++;
        }
    }
}
