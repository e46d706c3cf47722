using System.Text.Json;
using HeartStream.Pipeline.Mqtt;
using HeartStream.Pipeline.Mqtt.Sharding;
using HeartStream.Pipeline.Protocol;
using HeartStream.TestSupport;
using Microsoft.Extensions.Logging;

namespace HeartStream.IntegrationTests.Service;

/// <summary>
/// The planned-move handshake of <see cref="ShardMembership.WaitReleasedAsync"/> against a real mosquitto: another
/// instance's retained status lists the shards it still holds; a new owner waits while any of its shards is listed,
/// goes on as soon as the holder's republished status (or its empty last will) drops it, and after the limit goes on
/// anyway and logs which shards were still held (event 3045). Waits are conditions with a hang guard.
/// </summary>
public sealed class ShardHandoverTests : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private MosquittoBroker _broker = null!;
    private MqttConnection _self = null!;
    private MqttConnection _other = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync();
        _self = await ServiceHarness.SubscriberAsync(_broker, "hs-new", "-");
        _other = await ServiceHarness.SubscriberAsync(_broker, "hs-old", "-");
    }

    public async Task DisposeAsync()
    {
        await _self.DisposeAsync();
        await _other.DisposeAsync();
        IReadOnlyList<string> errors = _broker.ErrorLines;
        await _broker.DisposeAsync();
        Assert.Empty(errors);
    }

    [Fact]
    public async Task WaitReleased_WaitsWhileAnotherInstanceHoldsTheShard_GoesOnWhenReleased()
    {
        var logger = new ListLogger();
        using var membership = new ShardMembership(_self, "hs-new", 8, TimeSpan.FromSeconds(0.2), logger);
        await PublishStatusAsync("online", [1, 2, 5]);
        await membership.StartAsync();
        await UntilAsync(() => membership.Members.Contains("hs-old"), "the other instance seen as live");

        Task waiting = membership.WaitReleasedAsync(new SortedSet<int> { 1, 2 }, Guard);
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted, "the wait must not end while hs-old lists shards 1 and 2");

        await PublishStatusAsync("online", [2, 5]); // released 1 only
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted, "shard 2 is still held");

        await PublishStatusAsync("online", [5]);
        await waiting.WaitAsync(Guard);

        // Shards nobody lists need no wait; the other's held shard 5 is waited for up to the limit, then logged.
        await membership.WaitReleasedAsync(new SortedSet<int> { 0, 1, 2, 3 }, Guard).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(logger.Lines);
        await membership.WaitReleasedAsync(new SortedSet<int> { 4, 5 }, TimeSpan.FromSeconds(0.3)).WaitAsync(Guard);
        string line = Assert.Single(logger.Lines);
        Assert.Contains("Shards 5 were still held", line, StringComparison.Ordinal);

        // A dead holder's last will (an empty retained status) releases everything it listed at once.
        await _other.PublishAsync(MqttTopics.ServiceStatus("hs-old"), ReadOnlyMemory<byte>.Empty, 1, retain: true);
        await membership.WaitReleasedAsync(new SortedSet<int> { 5 }, Guard).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Single(logger.Lines);
    }

    private Task PublishStatusAsync(string status, IReadOnlyList<int> held)
    {
        var payload = new ServiceStatusPayload(1, "hs-old", status, "test", DateTimeOffset.UtcNow, 0, held);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(payload, ProtocolJsonContext.Default.ServiceStatusPayload);
        return _other.PublishAsync(MqttTopics.ServiceStatus("hs-old"), json, 1, retain: true);
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        DateTime end = DateTime.UtcNow + Guard;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < end, $"timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }

    private sealed class ListLogger : ILogger<ShardMembership>
    {
        private readonly object _gate = new();
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_gate)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lock (_gate)
                {
                    _lines.Add($"{eventId.Id}: {formatter(state, exception)}");
                }
            }
        }
    }
}
