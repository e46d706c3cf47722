using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace HeartStream.Pipeline.Protocol;

/// <summary>
/// Serialises payloads into one reused buffer and writer, so steady-state publishing allocates only the payload
/// objects themselves. Escaping is relaxed (payloads are MQTT, never embedded in HTML), so text stays readable. The returned memory is valid until the next call. Not thread-safe: one per publisher.
/// </summary>
public sealed class PayloadSerializer : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    /// <summary>Creates a serialiser writing compact JSON.</summary>
    public PayloadSerializer()
    {
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>Serialises <paramref name="value"/>; the bytes stay valid until the next call.</summary>
    public ReadOnlyMemory<byte> Serialize<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        JsonSerializer.Serialize(_writer, value, typeInfo);
        _writer.Flush();
        return _buffer.WrittenMemory;
    }

    /// <summary>Serialises to a string (docs, tests, logs); indented when asked.</summary>
    public static string ToJson<T>(T value, JsonTypeInfo<T> typeInfo, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Parses an acknowledge command. Returns false with a message naming the problem for malformed JSON, a missing
    /// alert id, a wrong schema version or a payload over 4 KiB; never throws on bad input.
    /// </summary>
    public static bool TryParseAck(ReadOnlySpan<byte> json, out AlertAckPayload? ack, out string? error)
    {
        ack = null;
        if (json.Length > 4096)
        {
            error = "Acknowledge payload is larger than 4096 bytes.";
            return false;
        }

        AlertAckPayload? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.AlertAckPayload);
        }
        catch (JsonException ex)
        {
            error = "Acknowledge payload is not valid JSON: " + ex.Message;
            return false;
        }

        if (parsed is null)
        {
            error = "Acknowledge payload is JSON null.";
            return false;
        }

        if (parsed.SchemaVersion != ProtocolSchema.Version)
        {
            error = $"Acknowledge payload has schema_version {parsed.SchemaVersion}; this service understands {ProtocolSchema.Version}.";
            return false;
        }

        if (string.IsNullOrWhiteSpace(parsed.AlertId))
        {
            error = "Acknowledge payload has no alert_id.";
            return false;
        }

        ack = parsed;
        error = null;
        return true;
    }

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();
}
