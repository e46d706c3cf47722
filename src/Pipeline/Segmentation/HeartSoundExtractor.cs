namespace HeartStream.Pipeline.Segmentation;

/// <summary>
/// Turns a per-frame state sequence into heart sounds: every run of S1 frames becomes one S1 sound and every run of
/// S2 frames one S2 sound, including runs cut by the start or end of the sequence (a sound half inside the window
/// is still a sound; the caller can drop edge sounds if it needs whole ones).
/// </summary>
public static class HeartSoundExtractor
{
    /// <summary>Sounds of <paramref name="states"/>, times in seconds from frame 0.</summary>
    public static List<HeartSound> FromStates(ReadOnlySpan<HeartState> states, double frameRate)
    {
        var sounds = new List<HeartSound>();
        FromStates(states, frameRate, 0.0, sounds);
        return sounds;
    }

    /// <summary>
    /// Appends the sounds of <paramref name="states"/> to <paramref name="sounds"/>, shifted by
    /// <paramref name="offsetSeconds"/> (for streaming windows); allocates only if the list must grow.
    /// </summary>
    public static void FromStates(ReadOnlySpan<HeartState> states, double frameRate, double offsetSeconds, List<HeartSound> sounds)
    {
        ArgumentNullException.ThrowIfNull(sounds);
        if (!(frameRate > 0) || !double.IsFinite(frameRate))
        {
            throw new ArgumentOutOfRangeException(nameof(frameRate), frameRate, "frame rate must be a positive finite number of Hz");
        }

        int start = 0;
        for (int t = 1; t <= states.Length; t++)
        {
            if (t < states.Length && states[t] == states[start])
            {
                continue;
            }

            HeartState state = states[start];
            if (state is HeartState.S1 or HeartState.S2)
            {
                sounds.Add(new HeartSound(
                    state == HeartState.S1 ? SoundType.S1 : SoundType.S2,
                    offsetSeconds + (start / frameRate),
                    offsetSeconds + (t / frameRate)));
            }

            start = t;
        }
    }
}
