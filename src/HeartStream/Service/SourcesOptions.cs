namespace HeartStream.Service;

/// <summary>
/// Where `heartstream run` gets audio: replayed WAV files (each one a device) and/or raw PCM on stdin. Bound from
/// the "Sources" section (HEARTSTREAM_Sources__Speed etc.; the command line wins) and validated at start-up.
/// </summary>
public sealed class SourcesOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Sources";

    /// <summary>WAV files to replay, one device each (device id = file name without extension, made unique).</summary>
    public IList<string> Files { get; } = [];

    /// <summary>Replay speed: 1 = real time, N = N× faster, 0 = as fast as possible.</summary>
    public double Speed { get; set; } = 1.0;

    /// <summary>Replay each file in a loop.</summary>
    public bool Loop { get; set; }

    /// <summary>Read raw S16_LE mono PCM from standard input as one more device.</summary>
    public bool Stdin { get; set; }

    /// <summary>Device id of the stdin stream.</summary>
    public string StdinDevice { get; set; } = "stdin";

    /// <summary>Sample rate of the stdin stream in Hz.</summary>
    public int StdinRate { get; set; } = 4000;

    /// <summary>
    /// Stdin runs on the device's clock (arecord): when analysis falls behind, the oldest audio is dropped. Set false
    /// for a pipe fed faster than real time (e.g. sox from a file): it then waits for analysis and nothing is lost.
    /// </summary>
    public bool StdinLive { get; set; } = true;

    /// <summary>Stop the service once every source has ended (default: keep serving /metrics until signalled).</summary>
    public bool ExitWhenDone { get; set; }

    /// <summary>Print every beat on the console sink (status and vitals are always printed).</summary>
    public bool PrintBeats { get; set; }

    /// <summary>
    /// Gateway audio also arrives over MQTT (set by the host when Mqtt:Host is configured, not read from "Sources"),
    /// so having no file or stdin source is valid.
    /// </summary>
    public bool MqttIngest { get; set; }

    /// <summary>Problems with these options, each a sentence naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Files.Count == 0 && !Stdin && !MqttIngest)
        {
            errors.Add($"No audio source: give {SectionName}:Files (--files a.wav b.wav), {SectionName}:Stdin (--stdin --device ID --rate R) or Mqtt:Host (--mqtt-host HOST) for gateway audio.");
        }

        foreach (string file in Files)
        {
            if (!File.Exists(file))
            {
                errors.Add($"{SectionName}:Files: '{file}' does not exist.");
            }
        }

        if (!(Speed >= 0) || !double.IsFinite(Speed))
        {
            errors.Add($"{SectionName}:Speed must be 0 (as fast as possible) or a positive factor; got {Speed}.");
        }

        if (Stdin)
        {
            if (string.IsNullOrWhiteSpace(StdinDevice))
            {
                errors.Add($"{SectionName}:StdinDevice must name the device (--device ID).");
            }

            if (StdinRate is < 1 or > 384_000)
            {
                errors.Add($"{SectionName}:StdinRate must be 1..384000 Hz; got {StdinRate}.");
            }
        }

        return errors;
    }
}
