using System.Text;
using System.Text.Json;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeartStream.Pipeline.Mqtt.Service;

/// <summary>
/// Keeps every device's alert state (<see cref="AlertStateSnapshot"/>) retained on the broker, on
/// <c>heartstream/v1/devices/{id}/alert-state</c> (QoS 1), written on every alert change, and reads it back when the
/// service starts, so a service killed without warning (SIGKILL, power loss) comes back with its active alerts under
/// the same ids: none raised again under a new id, none left without its "cleared", and no alert id reused.
/// Why the broker and not a local file: the broker is already the service's durable store (persistent sessions,
/// retained statuses), it survives the loss of the service's host, and another instance can read it (scale-out).
/// </summary>
public sealed class AlertStateStore
{
    private readonly MqttConnection _client;
    private readonly ILogger _logger;
    private long _written;
    private long _failed;
    private long _muted;

    public AlertStateStore(MqttConnection client, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>States handed to the client so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>States the client could not take (queue full); the broker keeps the previous one.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The last frame sequence taken from a device, written with its state (sharded service), or null.</summary>
    public Func<string, uint?>? LastFrame { get; set; }

    /// <summary>While this returns true nothing is written (a sharded instance that lost its broker connection).</summary>
    public Func<bool>? Muted { get; set; }

    /// <summary>States not written because <see cref="Muted"/> said so.</summary>
    public long MutedCount => Interlocked.Read(ref _muted);

    /// <summary>Queues the state retained (QoS 1; never blocks; queued while disconnected).</summary>
    public void Write(AlertStateSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (Muted?.Invoke() == true)
        {
            Interlocked.Increment(ref _muted);
            return;
        }

        if (LastFrame?.Invoke(snapshot.DeviceId) is uint last)
        {
            snapshot = snapshot with { LastFrame = last };
        }

        byte[] payload = Encoding.UTF8.GetBytes(ToJson(snapshot));
        if (_client.TryPublish(MqttTopics.AlertState(snapshot.DeviceId), payload, 1, true, out _))
        {
            Interlocked.Increment(ref _written);
        }
        else
        {
            Interlocked.Increment(ref _failed);
            MqttServiceLog.AlertStateNotPublished(_logger, snapshot.DeviceId);
        }
    }

    /// <summary>
    /// Subscribes to every device's retained state and collects what the broker sends until <paramref name="quiet"/>
    /// passes without a new message (at most <paramref name="limit"/>). A malformed state is logged and skipped.
    /// </summary>
    public async Task<IReadOnlyList<AlertStateSnapshot>> LoadAsync(TimeSpan quiet, TimeSpan limit, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, AlertStateSnapshot>(StringComparer.Ordinal);
        long last = Environment.TickCount64;
        void OnMessage(object? sender, MqttMessageEventArgs e)
        {
            if (!MqttTopics.TryGetDeviceId(e.Topic, "alert-state", out string? device) || e.Payload.Length == 0)
            {
                return;
            }

            Interlocked.Exchange(ref last, Environment.TickCount64);
            if (TryParse(e.Payload.Span, device!, out AlertStateSnapshot? snapshot, out string? error))
            {
                lock (found)
                {
                    found[device!] = snapshot!;
                }
            }
            else
            {
                MqttServiceLog.AlertStateRejected(_logger, e.Topic, error!);
            }
        }

        _client.MessageReceived += OnMessage;
        try
        {
            await _client.SubscribeAsync(MqttTopics.AlertStateSubscription, 1, cancellationToken).ConfigureAwait(false);
            long start = Environment.TickCount64;
            Interlocked.Exchange(ref last, start);
            while (Environment.TickCount64 - Interlocked.Read(ref last) < quiet.TotalMilliseconds && Environment.TickCount64 - start < limit.TotalMilliseconds)
            {
                await Task.Delay(25, cancellationToken).ConfigureAwait(false);
            }

            // Read once: our own writes must not come back to us for the rest of the run. If the connection is gone,
            // the subscription is forgotten anyway (not renewed at reconnect), so what was read is used.
            try
            {
                await _client.UnsubscribeAsync(MqttTopics.AlertStateSubscription, cancellationToken).ConfigureAwait(false);
            }
            catch (MqttConnectionException e)
            {
                MqttServiceLog.AlertStateRejected(_logger, MqttTopics.AlertStateSubscription, "unsubscribe after reading failed: " + e.Message);
            }
        }
        finally
        {
            _client.MessageReceived -= OnMessage;
        }

        lock (found)
        {
            AlertStateSnapshot[] result = [.. found.Values.OrderBy(s => s.DeviceId, StringComparer.Ordinal)];
            MqttServiceLog.AlertStateRestored(_logger, result.Length, result.Sum(s => s.Active.Count));
            return result;
        }
    }

    /// <summary>The retained payload of a state.</summary>
    public static string ToJson(AlertStateSnapshot snapshot) => PayloadSerializer.ToJson(snapshot, ProtocolJsonContext.Default.AlertStateSnapshot);

    /// <summary>Parses a retained state; false with the reason when it is not one, or names another device.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, string deviceId, out AlertStateSnapshot? snapshot, out string? error)
    {
        snapshot = null;
        try
        {
            AlertStateSnapshot? parsed = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.AlertStateSnapshot);
            if (parsed is null || parsed.DeviceId != deviceId || parsed.Sequences is null || parsed.Active is null)
            {
                error = parsed is null ? "empty" : parsed.DeviceId != deviceId ? $"it names device '{parsed.DeviceId}'" : "sequences and active are required";
                return false;
            }

            snapshot = parsed;
            error = null;
            return true;
        }
        catch (JsonException e)
        {
            error = "not valid JSON: " + e.Message;
            return false;
        }
    }
}
