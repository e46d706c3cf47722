using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Tests.Segmentation;

public sealed class HeartSoundExtractorTests
{
    [Fact]
    public void FromStates_RunsIncludingEdgeCuts_BecomeSounds()
    {
        const HeartState a = HeartState.S1, b = HeartState.Systole, c = HeartState.S2, d = HeartState.Diastole;
        HeartState[] states = [c, c, d, d, d, a, a, a, b, b, c, c, d, a];

        List<HeartSound> sounds = HeartSoundExtractor.FromStates(states, 50);

        Assert.Equal(
            [
                new HeartSound(SoundType.S2, 0, 0.04),
                new HeartSound(SoundType.S1, 0.10, 0.16),
                new HeartSound(SoundType.S2, 0.20, 0.24),
                new HeartSound(SoundType.S1, 0.26, 0.28),
            ],
            sounds);
    }

    [Fact]
    public void FromStates_EmptyOrNoSounds_ReturnsEmpty()
    {
        Assert.Empty(HeartSoundExtractor.FromStates([], 50));
        Assert.Empty(HeartSoundExtractor.FromStates([HeartState.Systole, HeartState.Systole], 50));
    }

    [Fact]
    public void FromStates_WithOffset_ShiftsTimes()
    {
        var sounds = new List<HeartSound>();

        HeartSoundExtractor.FromStates([HeartState.Diastole, HeartState.S1], 50, 10.0, sounds);

        HeartSound sound = Assert.Single(sounds);
        Assert.Equal(SoundType.S1, sound.Type);
        Assert.Equal(10.02, sound.StartSeconds, 9);
        Assert.Equal(10.04, sound.EndSeconds, 9);
    }
}
