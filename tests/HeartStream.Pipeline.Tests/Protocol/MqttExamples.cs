using System.Globalization;
using System.Text;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Protocol;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Pipeline.Tests.Protocol;

/// <summary>
/// The payload examples of docs/mqtt.md, produced by the real encoders (and, for the alert, the real engine) so the
/// documentation cannot drift from the code.
/// </summary>
internal static class MqttExamples
{
    public const string Device = "steth-01";

    public static IReadOnlyList<(string Name, string Text)> All() =>
    [
        ("audio", AudioHexDump()),
        ("beats", PayloadSerializer.ToJson(Beats(), ProtocolJsonContext.Default.BeatsPayload, indented: true)),
        ("vitals", PayloadSerializer.ToJson(Vitals(), ProtocolJsonContext.Default.VitalsPayload, indented: true)),
        ("classification", PayloadSerializer.ToJson(Classification(), ProtocolJsonContext.Default.ClassificationPayload, indented: true)),
        ("alerts", PayloadSerializer.ToJson(Alert(), ProtocolJsonContext.Default.AlertPayload, indented: true)),
        ("status", PayloadSerializer.ToJson(Status(), ProtocolJsonContext.Default.DeviceStatusPayload, indented: true)),
        ("service", PayloadSerializer.ToJson(Service(), ProtocolJsonContext.Default.ServiceStatusPayload, indented: true)),
        ("ack", PayloadSerializer.ToJson(Ack(), ProtocolJsonContext.Default.AlertAckPayload, indented: true)),
    ];

    public static byte[] AudioFrame()
    {
        float[] samples = [0f, 0.5f, -0.5f, 0.25f];
        var frame = new byte[AudioFrameCodec.GetEncodedLength(AudioEncoding.Pcm16, samples.Length)];
        AudioFrameCodec.Encode(AudioEncoding.Pcm16, 2000, 42, 1_700_000_000_000_000, samples, frame);
        return frame;
    }

    public static BeatsPayload Beats() => PayloadMapper.ToPayload(Device, 12, 13,
    [
        new BeatEvent(Device, new HeartSound(SoundType.S1, 12.104, 12.226), 0.41),
        new BeatEvent(Device, new HeartSound(SoundType.S2, 12.402, 12.498), 0.38),
    ]);

    public static VitalsPayload Vitals() => PayloadMapper.ToPayload(new VitalsEvent(Device, 13, 72.4137, 0.0623, 0.9134, 5));

    /// <summary>
    /// A murmur frame model result as the live classifier names it: "murmur" = P(murmur present) at the population's
    /// prevalence (the alert engine's key), the raw score, and the decision as 1 / 0 over Present, Unknown, Absent.
    /// </summary>
    public static ClassificationPayload Classification() => PayloadMapper.ToPayload(new ClassificationEvent(
        Device,
        30.12,
        new Dictionary<string, double> { ["murmur"] = 0.6214, ["murmur_score"] = 0.2731, ["Present"] = 1, ["Unknown"] = 0, ["Absent"] = 0 },
        "classifier-murmur 2.0.0"));

    public static AlertPayload Alert()
    {
        var engine = new AlertEngine(AlertProfile.CreateAdult());
        var output = new List<AlertEvent>();
        for (int t = 20; t <= 30; t++)
        {
            engine.Process(new VitalsEvent(Device, t, 128.3, 0.081, 0.87, 9), output);
        }

        return PayloadMapper.ToPayload(output.Single());
    }

    public static DeviceStatusPayload Status() =>
        PayloadMapper.ToPayload(new DeviceStatusEvent(Device, 31.5, DeviceStatus.NoSignal, "signal level below the noise floor for 5 s"));

    public static ServiceStatusPayload Service() =>
        new(ProtocolSchema.Version, "heartstream-a", "online", "0.1.0", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), 3);

    public static AlertAckPayload Ack() => new(ProtocolSchema.Version, "steth-01-tachycardia-1", "nurse-station-3");

    private static string AudioHexDump()
    {
        byte[] frame = AudioFrame();
        var sb = new StringBuilder();
        for (int offset = 0; offset < frame.Length; offset += 16)
        {
            sb.Append(offset.ToString("x4", CultureInfo.InvariantCulture)).Append(' ');
            for (int i = offset; i < Math.Min(offset + 16, frame.Length); i++)
            {
                sb.Append(' ').Append(frame[i].ToString("x2", CultureInfo.InvariantCulture));
            }

            sb.Append('\n');
        }

        return sb.ToString().TrimEnd('\n');
    }
}
