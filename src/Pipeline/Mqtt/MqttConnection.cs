using System.Buffers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace HeartStream.Pipeline.Mqtt;

/// <summary>
/// The service's MQTT connection, on MQTTnet 5 (MQTT 5 or 3.1.1, TLS with a CA file and optional client certificate,
/// username/password, will, persistent sessions). On top of MQTTnet's client it adds what a monitor needs and MQTTnet 5
/// leaves to the application: reconnection with exponential back-off, subscriptions renewed when the broker lost the
/// session, and an outbox for QoS&gt;0 messages, so a message published while the broker is away is kept (up to
/// <see cref="MqttClientOptions.MaxQueuedMessages"/>) and sent, in order, after the reconnect. A message leaves the
/// outbox only when the broker acknowledged it.
/// </summary>
/// <remarks>
/// Events run on MQTTnet's receive loop: handlers must be quick and must not dispose this connection; an exception
/// from a handler is caught and counted in <see cref="CallbackFaults"/>. Task continuations never run on that loop.
/// </remarks>
public sealed class MqttConnection : IAsyncDisposable
{
    /// <summary>QoS&gt;0 messages sent before their acknowledgements return (MQTT 5's default receive maximum is 65535,
    /// mosquitto's 20 in flight per client is its own queue).</summary>
    private const int InFlightWindow = 64;

    private readonly MqttClientOptions _options;
    private readonly IMqttClient _client;
    private readonly MQTTnet.MqttClientOptions _clientOptions;
    private readonly Lock _gate = new();
    private readonly LinkedList<Outgoing> _outbox = [];
    private readonly List<(string Filter, int Qos)> _subscriptions = [];
    private readonly Channel<byte> _wake = Channel.CreateBounded<byte>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _window = new(InFlightWindow, InFlightWindow);
    private readonly CancellationTokenSource _stop = new();
    private Task? _sender;
    private int _reconnecting;
    private bool _connectCalled;
    private volatile bool _stopping;
    private int _disposed;
    private long _published;
    private long _acked;
    private long _received;
    private long _connects;
    private long _callbackFaults;
    private long _droppedPending;

    /// <summary>MQTT 5 user property naming the publisher (<see cref="PublisherProperty"/>), one shared list per connection.</summary>
    private readonly List<MQTTnet.Packets.MqttUserProperty>? _publisher;

    public MqttConnection(MqttClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _clientOptions = BuildClientOptions(options);
        if (options.ProtocolVersion == 5 && !string.IsNullOrEmpty(options.ClientId))
        {
            _publisher = [new MQTTnet.Packets.MqttUserProperty(PublisherProperty, new ReadOnlyMemory<byte>(System.Text.Encoding.UTF8.GetBytes(options.ClientId)))];
        }

        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>Raised for every received message.</summary>
    public event EventHandler<MqttMessageEventArgs>? MessageReceived;

    /// <summary>Raised after each successful CONNACK (first connect and every automatic reconnect).</summary>
    public event EventHandler<MqttConnectionEventArgs>? Connected;

    /// <summary>Raised when the connection ends; <see cref="MqttConnectionEventArgs.ReasonCode"/> 0 means we asked for it.</summary>
    public event EventHandler<MqttConnectionEventArgs>? Disconnected;

    /// <summary>
    /// MQTT 5 user property on every message this connection publishes: its client id (the instance name for the
    /// service), so a consumer or an operator can tell which instance sent a message. Not sent with MQTT 3.1.1.
    /// </summary>
    public const string PublisherProperty = "heartstream-publisher";

    public bool IsConnected => _client.IsConnected;

    /// <summary>QoS&gt;0 messages removed from the outbox by <see cref="DropPending"/>.</summary>
    public long DroppedPendingCount => Interlocked.Read(ref _droppedPending);

    /// <summary>Publish calls accepted (sent, or kept in the outbox for QoS&gt;0).</summary>
    public long PublishedCount => Interlocked.Read(ref _published);

    /// <summary>QoS&gt;0 messages the broker acknowledged.</summary>
    public long AckedCount => Interlocked.Read(ref _acked);

    public long ReceivedCount => Interlocked.Read(ref _received);

    /// <summary>Successful connects after the first one.</summary>
    public long ReconnectCount => Math.Max(0, Interlocked.Read(ref _connects) - 1);

    /// <summary>Exceptions thrown by event handlers (caught on the receive loop).</summary>
    public long CallbackFaults => Interlocked.Read(ref _callbackFaults);

    /// <summary>QoS&gt;0 messages not yet acknowledged (in flight or waiting in the outbox).</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _outbox.Count;
            }
        }
    }

    /// <summary>
    /// Connects; completes on the broker's CONNACK. Later connection losses are repaired automatically. Throws
    /// <see cref="MqttConnectionException"/> when the broker cannot be reached or refuses us.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_gate)
        {
            if (_connectCalled)
            {
                throw new InvalidOperationException("ConnectAsync was already called on this connection.");
            }

            _connectCalled = true;
        }

        try
        {
            await ConnectOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                _connectCalled = false;
            }

            throw;
        }

        _sender = Task.Run(() => SendLoopAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>
    /// Publishes; QoS 0 completes once written, QoS 1/2 when the broker acknowledges. A QoS&gt;0 message published
    /// while disconnected waits in the outbox and is sent after the reconnect. Cancelling only stops waiting.
    /// </summary>
    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, int qos, bool retain, CancellationToken cancellationToken = default)
    {
        MqttApplicationMessage message = CreateMessage(topic, payload.Span, qos, retain);
        if (qos == 0)
        {
            if (!_client.IsConnected)
            {
                throw new MqttConnectionException($"Publish to '{topic}': not connected to {_options.Host}:{_options.Port} (QoS 0 is not kept).");
            }

            Interlocked.Increment(ref _published);
            return SendQos0Async(message, cancellationToken);
        }

        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Enqueue(message, ack))
        {
            throw new InvalidOperationException(
                $"Publish to '{topic}' refused: {_options.MaxQueuedMessages} QoS>0 messages already wait for a broker ack.");
        }

        return ack.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Fire-and-forget publish: false when the message was not accepted (QoS 0 while disconnected, or the QoS&gt;0
    /// outbox is full). Invalid topics or QoS still throw. <paramref name="messageId"/> is a running number.
    /// </summary>
    public bool TryPublish(string topic, ReadOnlySpan<byte> payload, int qos, bool retain, out int messageId)
    {
        MqttApplicationMessage message = CreateMessage(topic, payload, qos, retain);
        messageId = 0;
        if (qos == 0)
        {
            if (!_client.IsConnected)
            {
                return false;
            }

            messageId = (int)(Interlocked.Increment(ref _published) & int.MaxValue);
            _ = SendQos0Async(message, CancellationToken.None).ContinueWith(
                static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return true;
        }

        if (!Enqueue(message, null))
        {
            return false;
        }

        messageId = (int)(Interlocked.Read(ref _published) & int.MaxValue);
        return true;
    }

    /// <summary>
    /// Subscribes and completes with the granted QoS on SUBACK. The subscription is renewed automatically after a
    /// reconnect in which the broker lost our session.
    /// </summary>
    public async Task<int> SubscribeAsync(string topicFilter, int qos, CancellationToken cancellationToken = default)
    {
        CheckFilter(topicFilter);
        CheckQos(qos, nameof(qos));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        int granted = await SubscribeCoreAsync(topicFilter, qos, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _subscriptions.RemoveAll(s => s.Filter == topicFilter);
            _subscriptions.Add((topicFilter, qos));
        }

        return granted;
    }

    /// <summary>Ends a subscription (and forgets it, so a reconnect does not make it again).</summary>
    public async Task UnsubscribeAsync(string topicFilter, CancellationToken cancellationToken = default)
    {
        CheckFilter(topicFilter);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_gate)
        {
            _subscriptions.RemoveAll(s => s.Filter == topicFilter);
        }

        if (!_client.IsConnected)
        {
            throw new MqttConnectionException($"Unsubscribe from '{topicFilter}': not connected to {_options.Host}:{_options.Port}.");
        }

        MqttClientUnsubscribeOptions unsubscribe = new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(topicFilter).Build();
        try
        {
            await _client.UnsubscribeAsync(unsubscribe, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttCommunicationException e)
        {
            // The connection dropped between the check and the call (e.g. the process was frozen past its keep-alive).
            throw new MqttConnectionException($"Unsubscribe from '{topicFilter}': the connection to {_options.Host}:{_options.Port} was lost ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Removes the QoS&gt;0 messages still waiting for a broker ack whose topic matches, and fails their acks: for
    /// output that must not reach the broker late (a sharded instance that lost its connection may no longer own the
    /// devices it was about). Returns how many were removed; one already on the wire may still arrive.
    /// </summary>
    public int DropPending(Func<string, bool> topicMatch)
    {
        ArgumentNullException.ThrowIfNull(topicMatch);
        List<Outgoing> dropped = [];
        lock (_gate)
        {
            for (LinkedListNode<Outgoing>? node = _outbox.First; node is not null;)
            {
                LinkedListNode<Outgoing>? next = node.Next;
                if (topicMatch(node.Value.Message.Topic))
                {
                    _outbox.Remove(node);
                    dropped.Add(node.Value);
                }

                node = next;
            }
        }

        var reason = new MqttConnectionException("The message was dropped before the broker acknowledged it.");
        foreach (Outgoing outgoing in dropped)
        {
            outgoing.Ack?.TrySetException(reason);
        }

        Interlocked.Add(ref _droppedPending, dropped.Count);
        return dropped.Count;
    }

    /// <summary>
    /// Test hook: ends the connection as a crash would for the broker (MQTT 5 reason "disconnect with will message",
    /// so the broker publishes our will), without stopping: the connection then reconnects as after any loss.
    /// </summary>
    internal Task SimulateConnectionLossAsync() =>
        _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.DisconnectWithWillMessage });

    /// <summary>Disconnects cleanly (no will), stops reconnecting and fails what still waits for an ack.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_sender is not null)
        {
            await _sender.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection })
                    .WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MqttCommunicationException or TimeoutException or OperationCanceledException or InvalidOperationException)
            {
                // Already gone: the broker sees a lost connection, which is all that is left to tell it.
            }
        }

        _client.Dispose();
        var disposed = new ObjectDisposedException(nameof(MqttConnection));
        Outgoing[] left;
        lock (_gate)
        {
            left = [.. _outbox];
            _outbox.Clear();
        }

        foreach (Outgoing pending in left)
        {
            pending.Ack?.TrySetException(disposed);
        }

        _stop.Dispose();
    }

    private async Task ConnectOnceAsync(CancellationToken cancellationToken)
    {
        MqttClientConnectResult result;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            result = await _client.ConnectAsync(_clientOptions, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && !_stop.IsCancellationRequested)
        {
            throw new MqttConnectionException($"No CONNACK from {_options.Host}:{_options.Port} within {_options.ConnectTimeout}.", e);
        }
        catch (Exception e) when (e is MqttCommunicationException or System.Net.Sockets.SocketException or AuthenticationException or IOException)
        {
            throw Describe(e);
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new MqttConnectionException(
                $"Broker {_options.Host}:{_options.Port} refused the connection: {result.ResultCode}{Suffix(result.ReasonString)}.") { ErrorCode = (int)result.ResultCode };
        }

        Interlocked.Increment(ref _connects);
        if (!result.IsSessionPresent)
        {
            // The broker lost (or never had) our session: renew the subscriptions we made.
            (string Filter, int Qos)[] renew;
            lock (_gate)
            {
                renew = [.. _subscriptions];
            }

            foreach ((string filter, int qos) in renew)
            {
                await SubscribeCoreAsync(filter, qos, cancellationToken).ConfigureAwait(false);
            }
        }

        Raise(Connected, new MqttConnectionEventArgs(0, "success", result.IsSessionPresent));
        Wake();
    }

    private MqttConnectionException Describe(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException)
            {
                return new MqttConnectionException($"Connecting to {_options.Host}:{_options.Port} failed in the TLS handshake: {inner.Message}", e);
            }

            if (inner is System.Net.Sockets.SocketException socket)
            {
                return new MqttConnectionException($"Connecting to {_options.Host}:{_options.Port} failed: {socket.Message}.", e) { ErrorCode = socket.ErrorCode };
            }
        }

        return new MqttConnectionException($"Connecting to {_options.Host}:{_options.Port} failed: {e.Message}", e);
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (!e.ClientWasConnected)
        {
            return Task.CompletedTask; // a failed connect attempt: reported by ConnectAsync or the reconnect loop
        }

        bool requested = _stopping;
        int code = requested ? 0 : e.Reason == MqttClientDisconnectReason.NormalDisconnection ? (int)MqttClientDisconnectReason.UnspecifiedError : (int)e.Reason;
        string reason = requested ? "disconnect requested" : e.ReasonString ?? e.Exception?.Message ?? "connection lost";
        Raise(Disconnected, new MqttConnectionEventArgs(code, reason, false));
        if (!requested && _options.AutoReconnect && Interlocked.Exchange(ref _reconnecting, 1) == 0)
        {
            _ = Task.Run(ReconnectLoopAsync);
        }

        return Task.CompletedTask;
    }

    private async Task ReconnectLoopAsync()
    {
        TimeSpan delay = _options.ReconnectDelayMin;
        try
        {
            while (!_stopping)
            {
                try
                {
                    await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                    await ConnectOnceAsync(_stop.Token).ConfigureAwait(false);
                    return;
                }
                catch (MqttConnectionException)
                {
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectDelayMax.Ticks));
                }
                catch (Exception e) when (e is MqttCommunicationException or InvalidOperationException)
                {
                    // e.g. a subscription renewal cut by the next loss: try again.
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectDelayMax.Ticks));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed while reconnecting.
        }
        finally
        {
            Volatile.Write(ref _reconnecting, 0);
        }

        if (!_stopping && !_client.IsConnected && Interlocked.Exchange(ref _reconnecting, 1) == 0)
        {
            _ = Task.Run(ReconnectLoopAsync); // lost again between the connect and the end of this loop
        }
    }

    private bool Enqueue(MqttApplicationMessage message, TaskCompletionSource? ack)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_gate)
        {
            if (_outbox.Count >= _options.MaxQueuedMessages)
            {
                return false;
            }

            var outgoing = new Outgoing(message, ack);
            outgoing.Node = _outbox.AddLast(outgoing);
            Interlocked.Increment(ref _published);
        }

        Wake();
        return true;
    }

    private void Wake() => _wake.Writer.TryWrite(0);

    private async Task SendLoopAsync(CancellationToken stop)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                while (_client.IsConnected)
                {
                    Outgoing? next = null;
                    lock (_gate)
                    {
                        for (LinkedListNode<Outgoing>? node = _outbox.First; node is not null; node = node.Next)
                        {
                            if (!node.Value.InFlight)
                            {
                                next = node.Value;
                                next.InFlight = true;
                                break;
                            }
                        }
                    }

                    if (next is null)
                    {
                        break;
                    }

                    await _window.WaitAsync(stop).ConfigureAwait(false);
                    _ = SendAsync(next);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private async Task SendAsync(Outgoing outgoing)
    {
        bool sent = false;
        try
        {
            MqttClientPublishResult result = await _client.PublishAsync(outgoing.Message, _stop.Token).ConfigureAwait(false);
            sent = true;
            lock (_gate)
            {
                if (outgoing.Node?.List is not null)
                {
                    _outbox.Remove(outgoing.Node);
                }
            }

            Interlocked.Increment(ref _acked);
            if ((int)result.ReasonCode >= 0x80)
            {
                outgoing.Ack?.TrySetException(new MqttConnectionException(
                    $"Broker rejected publish to '{outgoing.Message.Topic}': {result.ReasonCode}{Suffix(result.ReasonString)}.") { ErrorCode = (int)result.ReasonCode });
            }
            else
            {
                outgoing.Ack?.TrySetResult();
            }
        }
#pragma warning disable CA1031 // Any failure leaves the message in the outbox for the next connection; it is not lost.
        catch (Exception)
#pragma warning restore CA1031
        {
            lock (_gate)
            {
                outgoing.InFlight = false;
            }
        }
        finally
        {
            _window.Release();
        }

        if (!sent && !_stopping)
        {
            // Lost mid-flight: a reconnect wakes the sender; if the link is still up (a slow ack), retry in a second.
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token).ConfigureAwait(false);
                Wake();
            }
            catch (OperationCanceledException)
            {
                // Disposed.
            }
        }
    }

    private async Task SendQos0Async(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttCommunicationException or InvalidOperationException)
        {
            throw new MqttConnectionException($"Publish to '{message.Topic}' failed: {e.Message}", e);
        }
    }

    private async Task<int> SubscribeCoreAsync(string topicFilter, int qos, CancellationToken cancellationToken)
    {
        if (!_client.IsConnected)
        {
            throw new MqttConnectionException($"Subscribe to '{topicFilter}': not connected to {_options.Host}:{_options.Port}.");
        }

        MqttClientSubscribeOptions subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(topicFilter, (MqttQualityOfServiceLevel)qos)
            .Build();
        MqttClientSubscribeResult result;
        try
        {
            result = await _client.SubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttCommunicationException e)
        {
            throw new MqttConnectionException($"Subscribe to '{topicFilter}': the connection to {_options.Host}:{_options.Port} was lost ({e.Message}).", e);
        }

        MqttClientSubscribeResultCode code = result.Items.First().ResultCode;
        if ((int)code >= 0x80)
        {
            throw new MqttConnectionException($"Broker refused subscription to '{topicFilter}': {code}{Suffix(result.ReasonString)}.") { ErrorCode = (int)code };
        }

        return (int)code;
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        Interlocked.Increment(ref _received);
        MqttApplicationMessage message = e.ApplicationMessage;
        Raise(MessageReceived, new MqttMessageEventArgs(message.Topic, message.Payload.ToArray(), (int)message.QualityOfServiceLevel, message.Retain) { UserProperties = message.UserProperties });
        return Task.CompletedTask;
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
#pragma warning disable CA1031 // A handler's bug must not end the connection; it is counted instead.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _callbackFaults);
        }
    }

    private MqttApplicationMessage CreateMessage(string topic, ReadOnlySpan<byte> payload, int qos, bool retain)
    {
        CheckTopic(topic);
        CheckQos(qos, nameof(qos));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (payload.Length > 268_435_455)
        {
            throw new ArgumentException($"Payload of {payload.Length} bytes for '{topic}' is larger than MQTT allows.", nameof(payload));
        }

        return new MqttApplicationMessage
        {
            Topic = topic,
            PayloadSegment = payload.ToArray(),
            QualityOfServiceLevel = (MqttQualityOfServiceLevel)qos,
            Retain = retain,
            UserProperties = _publisher,
        };
    }

    private static MQTTnet.MqttClientOptions BuildClientOptions(MqttClientOptions options)
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithProtocolVersion(options.ProtocolVersion == 4 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500)
            .WithCleanStart(options.CleanStart)
            .WithTimeout(options.ConnectTimeout);
        builder = options.KeepAliveSeconds == 0 ? builder.WithNoKeepAlive() : builder.WithKeepAlivePeriod(TimeSpan.FromSeconds(options.KeepAliveSeconds));
        if (!string.IsNullOrEmpty(options.ClientId))
        {
            builder = builder.WithClientId(options.ClientId);
        }

        if (options.SessionExpirySeconds > 0 && options.ProtocolVersion != 4)
        {
            builder = builder.WithSessionExpiryInterval(options.SessionExpirySeconds);
        }

        if (options.Username is not null)
        {
            builder = builder.WithCredentials(options.Username, options.Password);
        }

        if (options.Will is { } will)
        {
            builder = builder.WithWillTopic(will.Topic)
                .WithWillPayload(will.Payload.ToArray())
                .WithWillQualityOfServiceLevel((MqttQualityOfServiceLevel)will.Qos)
                .WithWillRetain(will.Retain);
        }

        if (options.TlsCaFile is not null)
        {
            var trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(options.TlsCaFile);
            var tls = new MqttClientTlsOptionsBuilder()
                .UseTls()
                .WithTargetHost(options.Host)
                .WithCertificateValidationHandler(a => Validate(a.Certificate, a.SslPolicyErrors, trust));
            if (options.TlsCertFile is not null && options.TlsKeyFile is not null)
            {
                using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(options.TlsCertFile, options.TlsKeyFile);
                // Re-imported from PKCS#12 so the private key is a persisted one, as SslStream wants for a client.
                X509Certificate2 client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
                tls = tls.WithClientCertificates([client]);
            }

            builder = builder.WithTlsOptions(tls.Build());
        }

        MQTTnet.MqttClientOptions built = builder.Build();
        if (built.ChannelOptions is MqttClientTcpOptions tcp)
        {
            // 64 KB socket reads instead of 8 KB: a service receives thousands of audio frames a second.
            tcp.BufferSize = 64 * 1024;
        }

        return built;
    }

    /// <summary>The broker's certificate must chain to the configured CA and match the host name.</summary>
    private static bool Validate(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trust)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using X509Certificate2 server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(server);
    }

    private static string Suffix(string? reason) => string.IsNullOrEmpty(reason) ? string.Empty : $" ({reason})";

    private static void CheckTopic(string topic)
    {
        if (string.IsNullOrEmpty(topic) || topic.Contains('\0', StringComparison.Ordinal)
            || topic.Contains('+', StringComparison.Ordinal) || topic.Contains('#', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Topic '{topic}' is not a valid publish topic: it must be non-empty, without wildcards or NUL.", nameof(topic));
        }
    }

    private static void CheckFilter(string filter)
    {
        if (string.IsNullOrEmpty(filter) || filter.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("Topic filter must be non-empty and must not contain NUL.", nameof(filter));
        }

        string[] levels = filter.Split('/');
        for (int i = 0; i < levels.Length; i++)
        {
            string level = levels[i];
            bool badHash = level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1);
            bool badPlus = level.Contains('+', StringComparison.Ordinal) && level != "+";
            if (badHash || badPlus)
            {
                throw new ArgumentException($"Topic filter '{filter}' is invalid: '#' must be a whole last level and '+' a whole level.", nameof(filter));
            }
        }
    }

    private static void CheckQos(int qos, string paramName)
    {
        if (qos is < 0 or > 2)
        {
            throw new ArgumentOutOfRangeException(paramName, qos, "QoS must be 0, 1 or 2.");
        }
    }

    private sealed class Outgoing(MqttApplicationMessage message, TaskCompletionSource? ack)
    {
        public MqttApplicationMessage Message { get; } = message;

        public TaskCompletionSource? Ack { get; } = ack;

        public LinkedListNode<Outgoing>? Node { get; set; }

        public bool InFlight { get; set; }
    }
}
