using System.Text;
using System.Text.Json;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Protocol;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Protocol;

public sealed class PayloadTests
{
    [Fact]
    public void Serialize_Vitals_SnakeCaseWithSchemaVersionAndNullRate()
    {
        VitalsPayload p = PayloadMapper.ToPayload(new VitalsEvent("d1", 3.25, null, null, 0.41234, 1));
        string json = PayloadSerializer.ToJson(p, ProtocolJsonContext.Default.VitalsPayload);
        Assert.Equal(
            """{"schema_version":1,"device_id":"d1","stream_time_seconds":3.25,"heart_rate_bpm":null,"interval_irregularity":null,"signal_quality":0.412,"beats_in_window":1}""",
            json);
    }

    [Fact]
    public void Serialize_EveryPayload_HasSchemaVersionFirst()
    {
        foreach ((string name, string text) in MqttExamples.All().Where(e => e.Name != "audio"))
        {
            using JsonDocument doc = JsonDocument.Parse(text);
            JsonProperty first = doc.RootElement.EnumerateObject().First();
            Assert.True(first.Name == "schema_version" && first.Value.GetInt32() == ProtocolSchema.Version, name);
        }
    }

    [Fact]
    public void ToPayload_Alert_WireNamesAndEvidence()
    {
        AlertPayload p = MqttExamples.Alert();
        Assert.Equal(("tachycardia", "medium", "physiological", "raised"), (p.Type, p.Priority, p.Category, p.State));
        Assert.Equal("steth-01-tachycardia-1", p.AlertId);
        Assert.Equal(128.3, p.Evidence.HeartRateBpm);
        Assert.Equal("online", p.Evidence.DeviceStatus);
        Assert.Null(p.ClearedSeconds);
    }

    [Fact]
    public void ToPayload_DeviceStatus_WireNames()
    {
        Assert.Equal(["online", "no-signal", "error", "offline"], Enum.GetValues<DeviceStatus>().Select(PayloadMapper.WireName));
    }

    [Fact]
    public void Serialize_Reused_SameBytesAsToJson()
    {
        using var serializer = new PayloadSerializer();
        VitalsPayload v = MqttExamples.Vitals();
        serializer.Serialize(MqttExamples.Beats(), ProtocolJsonContext.Default.BeatsPayload);
        ReadOnlyMemory<byte> bytes = serializer.Serialize(v, ProtocolJsonContext.Default.VitalsPayload);
        Assert.Equal(PayloadSerializer.ToJson(v, ProtocolJsonContext.Default.VitalsPayload), Encoding.UTF8.GetString(bytes.Span));
    }

    [Fact]
    public void Deserialize_AlertPayload_RoundTrips()
    {
        AlertPayload p = MqttExamples.Alert();
        string json = PayloadSerializer.ToJson(p, ProtocolJsonContext.Default.AlertPayload);
        AlertPayload? back = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.AlertPayload);
        Assert.Equal(json, PayloadSerializer.ToJson(back!, ProtocolJsonContext.Default.AlertPayload));
    }

    [Fact]
    public void TryParseAck_ValidCommand_Parsed()
    {
        Assert.True(PayloadSerializer.TryParseAck("""{"schema_version":1,"alert_id":"d-tachycardia-3","acknowledged_by":"n1"}"""u8, out AlertAckPayload? ack, out string? error));
        Assert.Null(error);
        Assert.Equal(new AlertAckPayload(1, "d-tachycardia-3", "n1"), ack);
    }

    [Theory]
    [InlineData("""{"schema_version":1,""", "not valid JSON")]
    [InlineData("""{"schema_version":1}""", "no alert_id")]
    [InlineData("""{"schema_version":2,"alert_id":"x"}""", "schema_version 2")]
    [InlineData("""{"schema_version":1,"alert_id":5}""", "not valid JSON")]
    [InlineData("null", "JSON null")]
    public void TryParseAck_BadCommand_ErrorNamesProblem(string json, string expected)
    {
        Assert.False(PayloadSerializer.TryParseAck(Encoding.UTF8.GetBytes(json), out AlertAckPayload? ack, out string? error));
        Assert.Null(ack);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParseAck_Oversized_Rejected()
    {
        byte[] big = Encoding.UTF8.GetBytes("{\"schema_version\":1,\"alert_id\":\"" + new string('x', 5000) + "\"}");
        Assert.False(PayloadSerializer.TryParseAck(big, out _, out string? error));
        Assert.Contains("4096", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Topics_BuildAndParse()
    {
        Assert.Equal("heartstream/v1/devices/d1/audio", MqttTopics.Audio("d1"));
        Assert.Equal("heartstream/v1/devices/d1/alerts/ack", MqttTopics.AlertAck("d1"));
        Assert.Equal("heartstream/v1/service/a/status", MqttTopics.ServiceStatus("a"));
        Assert.True(MqttTopics.TryGetDeviceId("heartstream/v1/devices/d1/alerts/ack", "alerts/ack", out string? id));
        Assert.Equal("d1", id);
        Assert.False(MqttTopics.TryGetDeviceId("heartstream/v1/devices/a/b/audio", "audio", out _));
        Assert.False(MqttTopics.TryGetDeviceId("heartstream/v1/devices//audio", "audio", out _));
        Assert.False(MqttTopics.TryGetDeviceId("other/v1/devices/d1/audio", "audio", out _));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a+")]
    [InlineData("#")]
    [InlineData("")]
    public void Topics_InvalidDeviceId_Throws(string deviceId)
    {
        Assert.ThrowsAny<ArgumentException>(() => MqttTopics.Vitals(deviceId));
    }

    [Fact]
    public void Docs_MqttMd_ContainsEveryGeneratedExample()
    {
        string doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "mqtt.md")).ReplaceLineEndings("\n");
        var missing = MqttExamples.All().Where(e => !doc.Contains(e.Text, StringComparison.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            string path = Path.Combine(Path.GetTempPath(), "heartstream-mqtt-examples.txt");
            File.WriteAllText(path, string.Join("\n\n", missing.Select(m => "### " + m.Name + "\n" + m.Text)));
            Assert.Fail($"docs/mqtt.md lacks the current example(s) {string.Join(", ", missing.Select(m => m.Name))}; they were written to {path}.");
        }
    }
}
