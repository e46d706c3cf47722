using System.Collections.Concurrent;
using HeartStream.Pipeline.Mqtt;

namespace HeartStream.IntegrationTests.Mqtt;

/// <summary>Collects a client's messages and lets a test await a condition on them (the timeout is only a hang guard).</summary>
internal sealed class MessageCollector
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    private readonly ConcurrentQueue<MqttMessageEventArgs> _messages = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public MessageCollector(MqttConnection client)
    {
        client.MessageReceived += (_, m) =>
        {
            _messages.Enqueue(m);
            _arrived.Release();
        };
    }

    public IReadOnlyList<MqttMessageEventArgs> Messages => [.. _messages];

    public async Task<IReadOnlyList<MqttMessageEventArgs>> WaitUntilAsync(Func<IReadOnlyList<MqttMessageEventArgs>, bool> condition, string what)
    {
        using CancellationTokenSource timeout = new(Guard);
        while (!condition(Messages))
        {
            try
            {
                await _arrived.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Gave up waiting for {what}; received {_messages.Count} messages: "
                    + string.Join(", ", Messages.Select(m => m.Topic)));
            }
        }

        return Messages;
    }
}
