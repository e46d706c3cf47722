using System.Globalization;
using System.Net.Sockets;
using System.Text;
using HeartStream.TestSupport;
using HeartStream.Pipeline.Mqtt;
using Xunit.Abstractions;

namespace HeartStream.IntegrationTests.Mqtt;

/// <summary>MqttConnection against a real mosquitto broker on loopback (Debian package, started per test).</summary>
public sealed class MqttConnectionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;
    private readonly List<MqttConnection> _clients = [];

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { Persistence = true });

    public async Task DisposeAsync()
    {
        foreach (MqttConnection client in _clients)
        {
            await client.DisposeAsync();
        }

        IReadOnlyList<string> errors = _broker.ErrorLines;
        await _broker.DisposeAsync();
        Assert.False(_broker.IsRunning);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task UnsubscribeAsync_AfterwardsNothingArrivesOnThatFilter()
    {
        MqttConnection subscriber = await ConnectAsync("unsub");
        MessageCollector inbox = new(subscriber);
        await subscriber.SubscribeAsync("heartstream/v1/unsub/a", 1);
        await subscriber.SubscribeAsync("heartstream/v1/unsub/b", 1);
        MqttConnection publisher = await ConnectAsync("unsub-pub");

        await subscriber.UnsubscribeAsync("heartstream/v1/unsub/a");
        await publisher.PublishAsync("heartstream/v1/unsub/a", "gone"u8.ToArray(), 1, retain: false);
        await publisher.PublishAsync("heartstream/v1/unsub/b", "kept"u8.ToArray(), 1, retain: false);

        await inbox.WaitUntilAsync(m => m.Count >= 1, "the message on the kept filter");
        await Task.Delay(300);
        Assert.Equal(["heartstream/v1/unsub/b"], inbox.Messages.Select(m => m.Topic).ToArray());
    }

    [Fact]
    public async Task PublishAsync_Qos0AndQos1_SubscriberReceivesExactBytes()
    {
        MqttConnection subscriber = await ConnectAsync("sub");
        MessageCollector inbox = new(subscriber);
        Assert.Equal(1, await subscriber.SubscribeAsync("heartstream/v1/test/#", 1));
        MqttConnection publisher = await ConnectAsync("pub");
        byte[] binary = [0, 1, 2, 0xFF, 0, 0x80, 10, 13];

        await publisher.PublishAsync("heartstream/v1/test/q0", Encoding.UTF8.GetBytes("zero"), 0, retain: false);
        await publisher.PublishAsync("heartstream/v1/test/q1", binary, 1, retain: false);

        IReadOnlyList<MqttMessageEventArgs> got = await inbox.WaitUntilAsync(m => m.Count >= 2, "two messages");
        MqttMessageEventArgs q0 = Assert.Single(got, m => m.Topic == "heartstream/v1/test/q0");
        MqttMessageEventArgs q1 = Assert.Single(got, m => m.Topic == "heartstream/v1/test/q1");
        Assert.Equal("zero", Encoding.UTF8.GetString(q0.Payload.Span));
        Assert.Equal(0, q0.Qos);
        Assert.Equal(binary, q1.Payload.ToArray());
        Assert.Equal(1, q1.Qos);
        Assert.False(q1.Retain);
        Assert.Equal(2, publisher.PublishedCount);
        Assert.Equal(1, publisher.AckedCount);
        Assert.Equal(0, publisher.PendingCount);
        Assert.True(publisher.IsConnected);
    }

    [Fact]
    public async Task TryPublish_5000Qos1Burst_AllAckedAndReceivedInOrder()
    {
        const int count = 5000;
        MqttConnection subscriber = await ConnectAsync("sub");
        MessageCollector inbox = new(subscriber);
        await subscriber.SubscribeAsync("burst", 1);
        MqttConnection publisher = await ConnectAsync("pub");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        for (int i = 0; i < count; i++)
        {
            Assert.True(publisher.TryPublish("burst", Number(i), 1, false, out _));
        }

        await inbox.WaitUntilAsync(m => m.Count >= count, "the burst");
        await publisher.PublishAsync("burst-barrier", ReadOnlyMemory<byte>.Empty, 1, false);
        output.WriteLine($"{count} QoS-1 messages publisher->broker->subscriber in {clock.Elapsed.TotalMilliseconds:F0} ms ({count / clock.Elapsed.TotalSeconds:F0} msg/s)");
        Assert.Equal(Enumerable.Range(0, count), inbox.Messages.Select(m => int.Parse(Encoding.ASCII.GetString(m.Payload.Span), CultureInfo.InvariantCulture)));
        Assert.Equal(count + 1, publisher.AckedCount);
        Assert.Equal(0, publisher.PendingCount);
    }

    [Fact]
    public async Task TryPublish_Qos1_ReturnsMessageIdAndIsAcked()
    {
        MqttConnection subscriber = await ConnectAsync("sub");
        MessageCollector inbox = new(subscriber);
        await subscriber.SubscribeAsync("t/try", 1);
        MqttConnection publisher = await ConnectAsync("pub");

        Assert.True(publisher.TryPublish("t/try", "a"u8, 1, false, out int first));
        Assert.True(publisher.TryPublish("t/try", "b"u8, 1, false, out int second));

        await inbox.WaitUntilAsync(m => m.Count >= 2, "two messages");
        Assert.True(first > 0);
        Assert.NotEqual(first, second);
        Assert.Equal(["a", "b"], inbox.Messages.Select(m => Encoding.UTF8.GetString(m.Payload.Span)));
    }

    [Fact]
    public async Task PublishAsync_Retained_LateSubscriberGetsItWithRetainFlag()
    {
        MqttConnection publisher = await ConnectAsync("pub");
        await publisher.PublishAsync("heartstream/v1/status", "online"u8.ToArray(), 1, retain: true);

        MqttConnection late = await ConnectAsync("late");
        MessageCollector inbox = new(late);
        await late.SubscribeAsync("heartstream/v1/status", 1);

        MqttMessageEventArgs message = (await inbox.WaitUntilAsync(m => m.Count >= 1, "the retained message"))[0];
        Assert.True(message.Retain);
        Assert.Equal("online", Encoding.UTF8.GetString(message.Payload.Span));
    }

    [Fact]
    public async Task Will_ConnectionCutWithoutDisconnect_BrokerPublishesWill()
    {
        MqttConnection watcher = await ConnectAsync("watcher");
        MessageCollector inbox = new(watcher);
        await watcher.SubscribeAsync("heartstream/v1/device/+/state", 1);
        MqttConnection device = await ConnectAsync(
            "device",
            o => o.Will = new MqttWill("heartstream/v1/device/d1/state", "offline"u8.ToArray(), 1, false));

        await device.SimulateConnectionLossAsync();

        MqttMessageEventArgs will = (await inbox.WaitUntilAsync(m => m.Count >= 1, "the will"))[0];
        Assert.Equal("heartstream/v1/device/d1/state", will.Topic);
        Assert.Equal("offline", Encoding.UTF8.GetString(will.Payload.Span));
    }

    [Fact]
    public async Task DisposeAsync_GracefulDisconnect_WillNotPublished()
    {
        MqttConnection watcher = await ConnectAsync("watcher");
        MessageCollector inbox = new(watcher);
        await watcher.SubscribeAsync("w/#", 1);
        MqttConnection device = await ConnectAsync("device", o => o.Will = new MqttWill("w/state", "offline"u8.ToArray()));

        await device.DisposeAsync();
        // The device's DISCONNECT was written before its loop stopped; a marker from the watcher's own
        // connection is delivered after the broker has handled it in practice, so a will would show up first.
        await watcher.PublishAsync("w/marker", "m"u8.ToArray(), 1, false);

        IReadOnlyList<MqttMessageEventArgs> got = await inbox.WaitUntilAsync(m => m.Any(x => x.Topic == "w/marker"), "the marker");
        Assert.DoesNotContain(got, m => m.Topic == "w/state");
    }

    [Fact]
    public async Task BrokerStoppedAndRestarted_Qos1PublishedDuringOutage_AllDeliveredOnce()
    {
        const int before = 20, during = 20, after = 20;
        MqttConnection subscriber = await ConnectAsync("sub", Persistent);
        ConnectionWatcher subscriberLink = new(subscriber);
        MessageCollector inbox = new(subscriber);
        await subscriber.SubscribeAsync("seq/#", 1);
        MqttConnection publisher = await ConnectAsync("pub", Persistent);
        ConnectionWatcher publisherLink = new(publisher);

        for (int i = 0; i < before; i++)
        {
            await publisher.PublishAsync("seq/n", Number(i), 1, false);
        }

        await inbox.WaitUntilAsync(m => m.Count >= before, "messages before the outage");
        // Barrier: the subscriber's PUBACKs were written before this publish, so once it is acked the broker
        // has no unacknowledged message for the subscriber and cannot redeliver (duplicate) one after restart.
        await subscriber.PublishAsync("barrier", ReadOnlyMemory<byte>.Empty, 1, false);

        subscriberLink.Reset();
        publisherLink.Reset();
        await _broker.StopAsync();
        await subscriberLink.NextDisconnected();
        await publisherLink.NextDisconnected();
        Assert.False(publisher.IsConnected);

        List<Task> outageAcks = [];
        for (int i = before; i < before + during; i++)
        {
            outageAcks.Add(publisher.PublishAsync("seq/n", Number(i), 1, false));
        }

        Assert.Equal(during, publisher.PendingCount);
        await _broker.RestartAsync();
        MqttConnectionEventArgs reconnected = await publisherLink.NextConnected();
        Assert.True(reconnected.SessionPresent);
        await Task.WhenAll(outageAcks).WaitAsync(MessageCollector.Guard);

        for (int i = before + during; i < before + during + after; i++)
        {
            await publisher.PublishAsync("seq/n", Number(i), 1, false);
        }

        const int total = before + during + after;
        await inbox.WaitUntilAsync(m => m.Select(x => x.Payload.ToArray()).Distinct(new BytesComparer()).Count() >= total, "all numbered messages");
        await subscriber.PublishAsync("barrier", ReadOnlyMemory<byte>.Empty, 1, false);
        int[] numbers = inbox.Messages.Select(m => int.Parse(Encoding.ASCII.GetString(m.Payload.Span), CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Enumerable.Range(0, total), numbers.Order());
        Assert.Equal(1, publisher.ReconnectCount);
        Assert.Equal(total, publisher.AckedCount);
    }

    [Fact]
    public async Task BrokerKilled_ClientsReconnectAndResubscribe_MessagesFlowAgain()
    {
        MqttConnection subscriber = await ConnectAsync("sub");
        ConnectionWatcher subscriberLink = new(subscriber);
        MessageCollector inbox = new(subscriber);
        await subscriber.SubscribeAsync("k/#", 1);
        MqttConnection publisher = await ConnectAsync("pub");
        ConnectionWatcher publisherLink = new(publisher);
        subscriberLink.Reset();
        publisherLink.Reset();

        _broker.Kill();
        MqttConnectionEventArgs lost = await subscriberLink.NextDisconnected();
        await _broker.RestartAsync();
        MqttConnectionEventArgs back = await subscriberLink.NextConnected();
        await publisherLink.NextConnected();

        // The crash lost the subscriber's session; the client re-subscribes on its own. Probe until it is in place.
        for (int i = 0; !inbox.Messages.Any(m => m.Topic == "k/probe"); i++)
        {
            Assert.True(i < 200, "re-subscription never took effect");
            await publisher.PublishAsync("k/probe", ReadOnlyMemory<byte>.Empty, 1, false);
            await Task.Delay(50);
        }

        await publisher.PublishAsync("k/after", "x"u8.ToArray(), 1, false);
        await inbox.WaitUntilAsync(m => m.Any(x => x.Topic == "k/after"), "message after the crash");
        Assert.NotEqual(0, lost.ReasonCode);
        Assert.False(back.SessionPresent);
        Assert.Equal(1, subscriber.ReconnectCount);
        Assert.Equal(1, publisher.ReconnectCount);
    }

    [Fact]
    public async Task DisposeAsync_BrokerGoneWhileReconnecting_ReturnsAndDisconnects()
    {
        MqttConnection client = await ConnectAsync("orphan");
        ConnectionWatcher link = new(client);
        link.Reset();
        _broker.Kill();
        await link.NextDisconnected();
        Assert.True(client.TryPublish("queued/while/down", "q"u8, 1, false, out _));
        Assert.False(client.TryPublish("qos0/while/down", "q"u8, 0, false, out _));

        await client.DisposeAsync().AsTask().WaitAsync(MessageCollector.Guard);

        Assert.False(client.IsConnected);
        Assert.Throws<ObjectDisposedException>(() => client.TryPublish("t", "x"u8, 1, false, out _));
    }

    [Theory]
    [InlineData("a/#/b")]
    [InlineData("a/+")]
    [InlineData("")]
    public async Task PublishAsync_InvalidTopic_ThrowsArgumentExceptionNamingTopic(string topic)
    {
        MqttConnection client = await ConnectAsync("bad");

        ArgumentException e = await Assert.ThrowsAnyAsync<ArgumentException>(() => client.PublishAsync(topic, "x"u8.ToArray(), 1, false));

        Assert.Contains("opic", e.Message, StringComparison.Ordinal);
        Assert.True(client.IsConnected);
        await client.PublishAsync("still/ok", "x"u8.ToArray(), 1, false);
    }

    [Fact]
    public async Task PublishAsync_QosOutOfRange_ThrowsArgumentOutOfRange()
    {
        MqttConnection client = await ConnectAsync("bad");

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.PublishAsync("t", "x"u8.ToArray(), 3, false));
    }

    [Fact]
    public async Task SubscribeAsync_MalformedFilter_ThrowsArgumentException()
    {
        MqttConnection client = await ConnectAsync("bad");

        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync("a/#/b", 1));

        Assert.Contains("a/#/b", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_NoBrokerOnPort_ThrowsMqttConnectionExceptionWithReason()
    {
        await _broker.StopAsync();
        await using MqttConnection client = new(new MqttClientOptions { Port = _broker.Port, ClientId = "nobody" });

        MqttConnectionException e = await Assert.ThrowsAsync<MqttConnectionException>(() => client.ConnectAsync());

        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new MqttConnection(new MqttClientOptions { Port = 0 }));
        Assert.Contains("Port", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => new MqttConnection(new MqttClientOptions { CleanStart = false }));
        Assert.Contains("ClientId", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broker_GarbageFromAnotherConnection_ClientUnaffected()
    {
        MqttConnection subscriber = await ConnectAsync("sub");
        MessageCollector inbox = new(subscriber);
        await subscriber.SubscribeAsync("g", 1);

        using (TcpClient raw = new())
        {
            await raw.ConnectAsync(_broker.Host, _broker.Port);
            byte[] garbage = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x13, 0x37];
            await raw.GetStream().WriteAsync(garbage);
            // The broker must close the connection on a malformed packet: the read ends (0 bytes or a reset).
            Assert.True(await ConnectionClosedByPeerAsync(raw.GetStream()));
        }

        MqttConnection publisher = await ConnectAsync("pub");
        await publisher.PublishAsync("g", "ok"u8.ToArray(), 1, false);
        await inbox.WaitUntilAsync(m => m.Count >= 1, "message after garbage");
        Assert.Equal(0, subscriber.CallbackFaults);
    }

    [Fact]
    public async Task MessageReceived_HandlerThrows_FaultCountedAndClientKeepsWorking()
    {
        MqttConnection subscriber = await ConnectAsync("sub");
        MessageCollector inbox = new(subscriber);
        subscriber.MessageReceived += (_, _) => throw new InvalidOperationException("handler bug");
        await subscriber.SubscribeAsync("h", 1);
        MqttConnection publisher = await ConnectAsync("pub");

        await publisher.PublishAsync("h", "1"u8.ToArray(), 1, false);
        await publisher.PublishAsync("h", "2"u8.ToArray(), 1, false);
        await inbox.WaitUntilAsync(m => m.Count >= 2, "both messages");
        // Both deliveries precede this ack on the subscriber's connection, so their handlers have run.
        await subscriber.PublishAsync("h-barrier", ReadOnlyMemory<byte>.Empty, 1, false);

        Assert.True(subscriber.IsConnected);
        Assert.Equal(2, subscriber.CallbackFaults);
        Assert.Equal(2, subscriber.ReceivedCount);
    }

    [Fact]
    public async Task DropPending_WhileBrokerAway_MatchingMessagesNeverArrive_OthersDo_PublisherNamed()
    {
        MqttConnection subscriber = await ConnectAsync("sub", Persistent);
        MessageCollector inbox = new(subscriber);
        await subscriber.SubscribeAsync("drop/#", 1);
        MqttConnection publisher = await ConnectAsync("pub", Persistent);
        ConnectionWatcher publisherLink = new(publisher);
        publisherLink.Reset();
        await _broker.StopAsync();
        await publisherLink.NextDisconnected();

        Task stale = publisher.PublishAsync("drop/stale", Number(1), 1, false);
        Task kept = publisher.PublishAsync("drop/kept", Number(2), 1, false);
        Assert.Equal(1, publisher.DropPending(t => t.EndsWith("/stale", StringComparison.Ordinal)));
        await Assert.ThrowsAsync<MqttConnectionException>(() => stale);
        await _broker.RestartAsync();
        await kept.WaitAsync(MessageCollector.Guard);
        await publisher.PublishAsync("drop/marker", Number(3), 1, false);

        IReadOnlyList<MqttMessageEventArgs> got = await inbox.WaitUntilAsync(m => m.Any(x => x.Topic == "drop/marker"), "the marker");
        Assert.DoesNotContain(got, m => m.Topic == "drop/stale");
        MqttMessageEventArgs keptMessage = Assert.Single(got, m => m.Topic == "drop/kept");
        Assert.StartsWith("pub-", keptMessage.Publisher, StringComparison.Ordinal);
        Assert.Equal(1, publisher.DroppedPendingCount);
    }

    [Fact]
    public async Task ShardSessions_NextOwnerInheritsQueuedFrames_InOrder_AndTakeoverEndsTheOldHolder()
    {
        var first = new MessageSink();
        var second = new MessageSink();
        var options = new MqttClientOptions { Port = _broker.Port, KeepAliveSeconds = 10, ShardSessionExpirySeconds = 60 };
        await using var a = new Pipeline.Mqtt.Sharding.ShardSessions(options, first.OnMessage);
        await using var b = new Pipeline.Mqtt.Sharding.ShardSessions(options, second.OnMessage);
        var lost = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.SessionLost += (shard, _) => lost.TrySetResult(shard);
        MqttConnection gateway = await ConnectAsync("gw");
        string topic = Pipeline.Protocol.MqttTopics.ShardAudio(3, "dev-1");

        await a.TakeAsync([3]);
        for (int i = 0; i < 5; i++)
        {
            await gateway.PublishAsync(topic, Number(i), 1, false);
        }

        await first.UntilAsync(5);
        await a.ReleaseAsync([3]); // a planned move: the broker keeps the session and queues what follows
        for (int i = 5; i < 15; i++)
        {
            await gateway.PublishAsync(topic, Number(i), 1, false);
        }

        await b.TakeAsync([3]);
        await second.UntilAsync(10);
        await gateway.PublishAsync(topic, Number(15), 1, false);
        await second.UntilAsync(11);
        Assert.Equal(Enumerable.Range(0, 5), first.Numbers);
        Assert.Equal(Enumerable.Range(5, 11), second.Numbers);

        // A takes the shard back while b holds it: the broker's client-id takeover ends b's connection, which does
        // not reconnect by itself (it would take the shard back and forth).
        var bLost = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.SessionLost += (shard, _) => bLost.TrySetResult(shard);
        await a.TakeAsync([3]);
        Assert.Equal(3, await bLost.Task.WaitAsync(MessageCollector.Guard));
        Assert.Empty(b.Held);
        Assert.Equal([3], a.Held);
        await gateway.PublishAsync(topic, Number(16), 1, false);
        await first.UntilAsync(6);
        Assert.Equal(16, first.Numbers[^1]);
        Assert.False(lost.Task.IsCompleted);
    }

    private sealed class MessageSink
    {
        private readonly List<int> _numbers = [];

        public int[] Numbers
        {
            get
            {
                lock (_numbers)
                {
                    return [.. _numbers];
                }
            }
        }

        public void OnMessage(object? sender, MqttMessageEventArgs e)
        {
            lock (_numbers)
            {
                _numbers.Add(int.Parse(Encoding.ASCII.GetString(e.Payload.Span), CultureInfo.InvariantCulture));
            }
        }

        public async Task UntilAsync(int count)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (Numbers.Length < count)
            {
                Assert.True(clock.Elapsed < MessageCollector.Guard, $"{Numbers.Length} of {count} messages");
                await Task.Delay(20);
            }
        }
    }

    private static void Persistent(MqttClientOptions options)
    {
        options.CleanStart = false;
        options.SessionExpirySeconds = 300;
    }

    private static async Task<bool> ConnectionClosedByPeerAsync(NetworkStream stream)
    {
        byte[] buffer = new byte[16];
        try
        {
            return await stream.ReadAsync(buffer).AsTask().WaitAsync(MessageCollector.Guard) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static byte[] Number(int i) => Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture));

    private async Task<MqttConnection> ConnectAsync(string name, Action<MqttClientOptions>? configure = null)
    {
        MqttClientOptions options = new()
        {
            Port = _broker.Port,
            ClientId = name + "-" + Guid.NewGuid().ToString("N")[..8],
            KeepAliveSeconds = 10,
            ReconnectDelayMin = TimeSpan.FromSeconds(1),
            ReconnectDelayMax = TimeSpan.FromSeconds(1),
        };
        configure?.Invoke(options);
        MqttConnection client = new(options);
        _clients.Add(client);
        await client.ConnectAsync();
        return client;
    }

    private sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length == 0 ? 0 : obj[0] ^ (obj.Length << 8);
    }
}
