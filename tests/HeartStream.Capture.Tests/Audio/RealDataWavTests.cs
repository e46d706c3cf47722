using HeartStream.Capture.Audio;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Capture.Tests.Audio;

/// <summary>
/// Reads real recordings from the shared data set (../shared/data); returns early, saying so, when it
/// is absent (fresh clone, CI). Expected counts and values come from soxi and scipy.io.wavfile.
/// </summary>
public class RealDataWavTests(ITestOutputHelper output)
{
    [Theory]
    // path, rate, frames (soxi -s), first samples as int16 (scipy.io.wavfile.read)
    [InlineData("physionet2016/training-a/a0001.wav", 2000, 71332, new short[] { -69, -135, -104, -25, -63 })]
    [InlineData("circor/training_data/13918_AV.wav", 4000, 41152, new short[] { 0, 33, 302, 144, -1089 })]
    public void Read_SharedDataRecording_MatchesReference(string relativePath, int rate, int frames, short[] first)
    {
        string? data = RepoPaths.SharedData;
        if (data is null || !File.Exists(Path.Combine(data, relativePath)))
        {
            output.WriteLine($"Skipped: shared data set not found (../shared/data or HEARTSTREAM_DATA); {relativePath} not checked.");
            return;
        }

        WavAudio audio = WavReader.Read(Path.Combine(data, relativePath));

        Assert.Equal(rate, audio.SampleRate);
        Assert.Equal(1, audio.Channels);
        Assert.Equal(WavEncoding.Pcm16, audio.Encoding);
        Assert.Equal(frames, audio.Samples.Length);
        Assert.Equal(first.Select(s => s / 32768f), audio.Samples[..first.Length]);
    }
}
