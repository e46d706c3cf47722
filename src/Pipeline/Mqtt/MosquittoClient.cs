using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HeartStream.Pipeline.Mqtt.Native;

namespace HeartStream.Pipeline.Mqtt;

/// <summary>
/// MQTT 5 client over our own binding of libmosquitto. libmosquitto's threaded loop (mosquitto_loop_start) owns the
/// socket, reconnects with back-off, and keeps unacknowledged QoS&gt;0 messages (including those published while
/// disconnected) until the broker acks them after a reconnect.
/// </summary>
/// <remarks>
/// Events run on libmosquitto's network thread: handlers must be quick and must not dispose this client; an exception
/// from a handler is caught (never crosses into native code) and counted in <see cref="CallbackFaults"/>.
/// Task continuations never run on that thread (RunContinuationsAsynchronously).
/// </remarks>
public sealed class MosquittoClient : IAsyncDisposable
{
    private static readonly Lazy<int> s_libInit = new(InitLibrary, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly MqttClientOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, TaskCompletionSource?> _pendingPublishes = [];
    private readonly Dictionary<int, TaskCompletionSource<int>> _pendingSubscribes = [];
    private readonly List<(string Filter, int Qos)> _subscriptions = [];
    private GCHandle _self;
    private nint _handle;
    private TaskCompletionSource? _connectCompletion;
    private volatile bool _isConnected;
    private bool _loopStarted;
    private int _disposed;
    private long _published;
    private long _acked;
    private long _received;
    private long _connects;
    private long _callbackFaults;
    private string? _lastLogError;

    public MosquittoClient(MqttClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _ = s_libInit.Value;
        _self = GCHandle.Alloc(this, GCHandleType.Normal);
        string? clientId = string.IsNullOrEmpty(options.ClientId) ? null : options.ClientId;
        _handle = MosquittoNative.New(clientId, options.CleanStart, GCHandle.ToIntPtr(_self));
        if (_handle == 0)
        {
            _self.Free();
            throw new MosquittoException("mosquitto_new failed (out of memory or invalid client id).");
        }

        try
        {
            Configure();
        }
        catch
        {
            MosquittoNative.Destroy(_handle);
            _handle = 0;
            _self.Free();
            throw;
        }
    }

    /// <summary>Raised for every received message.</summary>
    public event EventHandler<MqttMessageEventArgs>? MessageReceived;

    /// <summary>Raised after each successful CONNACK (first connect and every automatic reconnect).</summary>
    public event EventHandler<MqttConnectionEventArgs>? Connected;

    /// <summary>Raised when the connection ends; <see cref="MqttConnectionEventArgs.ReasonCode"/> 0 means we asked for it.</summary>
    public event EventHandler<MqttConnectionEventArgs>? Disconnected;

    public bool IsConnected => _isConnected;

    /// <summary>Publish calls accepted (sent, or queued while disconnected for QoS&gt;0).</summary>
    public long PublishedCount => Interlocked.Read(ref _published);

    /// <summary>QoS&gt;0 messages the broker acknowledged.</summary>
    public long AckedCount => Interlocked.Read(ref _acked);

    public long ReceivedCount => Interlocked.Read(ref _received);

    /// <summary>Successful connects after the first one.</summary>
    public long ReconnectCount => Math.Max(0, Interlocked.Read(ref _connects) - 1);

    /// <summary>Exceptions thrown by event handlers (caught on the network thread).</summary>
    public long CallbackFaults => Interlocked.Read(ref _callbackFaults);

    /// <summary>QoS&gt;0 messages not yet acknowledged (in flight or queued).</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pendingPublishes.Count;
            }
        }
    }

    /// <summary>The libmosquitto version loaded, e.g. "2.0.11".</summary>
    public static string LibraryVersion
    {
        get
        {
            _ = MosquittoNative.LibVersion(out int major, out int minor, out int revision);
            return $"{major}.{minor}.{revision}";
        }
    }

    /// <summary>
    /// Connects and starts the network thread; completes on the broker's CONNACK. Later connection losses are
    /// repaired automatically. Throws <see cref="MosquittoException"/> when the broker cannot be reached or refuses us.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_loopStarted || _connectCompletion is not null)
            {
                throw new InvalidOperationException("ConnectAsync was already called on this client.");
            }

            _connectCompletion = completion;
        }

        try
        {
            // The TCP connect inside mosquitto_connect is blocking; keep it off the caller's thread.
            (int rc, int errno) = await Task.Run(ConnectNative, cancellationToken).ConfigureAwait(false);
            if (rc == MosquittoNative.ErrErrno)
            {
                throw new MosquittoException(
                    $"Connecting to {_options.Host}:{_options.Port} failed: {Marshal.GetPInvokeErrorMessage(errno)}.") { ErrorCode = rc };
            }

            if (rc != MosquittoNative.ErrSuccess)
            {
                throw new MosquittoException($"Connecting to {_options.Host}:{_options.Port}", rc);
            }

            Check(MosquittoNative.LoopStart(_handle), "mosquitto_loop_start");
            lock (_gate)
            {
                _loopStarted = true;
            }

            try
            {
                await completion.Task.WaitAsync(_options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                throw new MosquittoException(
                    $"No CONNACK from {_options.Host}:{_options.Port} within {_options.ConnectTimeout}{DescribeLastLogError()}.", e);
            }
        }
        catch
        {
            await StopLoopAsync().ConfigureAwait(false);
            lock (_gate)
            {
                _connectCompletion = null;
            }

            throw;
        }
    }

    /// <summary>
    /// Publishes; QoS 0 completes once handed to the network thread, QoS 1/2 when the broker acknowledges. A QoS&gt;0
    /// message published while disconnected is queued and sent after the reconnect. Cancelling only stops waiting.
    /// </summary>
    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, int qos, bool retain, CancellationToken cancellationToken = default)
    {
        CheckTopic(topic, nameof(topic));
        CheckQos(qos, nameof(qos));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        TaskCompletionSource? ack = qos > 0 ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        int rc = PublishCore(topic, payload.Span, qos, retain, ack, out _);
        if (rc == QueueFull)
        {
            throw new InvalidOperationException(
                $"Publish to '{topic}' refused: {_options.MaxQueuedMessages} QoS>0 messages already wait for a broker ack.");
        }

        if (rc != MosquittoNative.ErrSuccess)
        {
            throw new MosquittoException($"Publish to '{topic}'", rc);
        }

        return ack is null ? Task.CompletedTask : ack.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Fire-and-forget publish that does not allocate: false when the message was not accepted (QoS 0 while
    /// disconnected, or the QoS&gt;0 queue is full). Invalid topics or payloads still throw.
    /// </summary>
    public bool TryPublish(string topic, ReadOnlySpan<byte> payload, int qos, bool retain, out int messageId)
    {
        CheckTopic(topic, nameof(topic));
        CheckQos(qos, nameof(qos));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        int rc = PublishCore(topic, payload, qos, retain, null, out messageId);
        return rc == MosquittoNative.ErrSuccess;
    }

    /// <summary>
    /// Subscribes and completes with the granted QoS on SUBACK. The subscription is renewed automatically after a
    /// reconnect in which the broker lost our session.
    /// </summary>
    public async Task<int> SubscribeAsync(string topicFilter, int qos, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(topicFilter) || topicFilter.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("Topic filter must be non-empty and must not contain NUL.", nameof(topicFilter));
        }

        CheckQos(qos, nameof(qos));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        TaskCompletionSource<int> granted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            // Held across the native call so the SUBACK callback (which takes the same lock) always finds the mid.
            int rc = MosquittoNative.SubscribeV5(_handle, out int mid, topicFilter, qos, 0, 0);
            if (rc is MosquittoNative.ErrInvalid or MosquittoNative.ErrMalformedUtf8)
            {
                throw new ArgumentException($"Topic filter '{topicFilter}' is invalid: {MosquittoNative.ErrorText(rc)}.", nameof(topicFilter));
            }

            Check(rc, $"Subscribe to '{topicFilter}'");
            _pendingSubscribes[mid] = granted;
        }

        int grantedQos = await granted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _subscriptions.RemoveAll(s => s.Filter == topicFilter);
            _subscriptions.Add((topicFilter, qos));
        }

        return grantedQos;
    }

    /// <summary>
    /// Test hook: shuts the socket down under libmosquitto without an MQTT DISCONNECT, as a crash or a cut cable
    /// would, so the broker publishes our will; the network thread then reconnects.
    /// </summary>
    internal void SimulateConnectionLoss()
    {
        int socket = MosquittoNative.Socket(_handle);
        if (socket >= 0)
        {
            _ = LibC.Shutdown(socket, LibC.ShutdownReadWrite);
        }
    }

    /// <summary>Disconnects cleanly (no will), stops the network thread and frees the native client.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopLoopAsync().ConfigureAwait(false);
        MosquittoNative.Destroy(_handle);
        _handle = 0;
        _self.Free();
        ObjectDisposedException disposed = new(nameof(MosquittoClient));
        lock (_gate)
        {
            foreach (TaskCompletionSource? pending in _pendingPublishes.Values)
            {
                pending?.TrySetException(disposed);
            }

            foreach (TaskCompletionSource<int> pending in _pendingSubscribes.Values)
            {
                pending.TrySetException(disposed);
            }

            _pendingPublishes.Clear();
            _pendingSubscribes.Clear();
            _connectCompletion?.TrySetException(disposed);
        }
    }

    private const int QueueFull = -1;

    private unsafe int PublishCore(string topic, ReadOnlySpan<byte> payload, int qos, bool retain, TaskCompletionSource? ack, out int messageId)
    {
        int rc;
        lock (_gate)
        {
            if (qos > 0 && _pendingPublishes.Count >= _options.MaxQueuedMessages)
            {
                messageId = 0;
                return QueueFull;
            }

            // The lock is held across the native call so the ack callback, which takes it too, always finds the mid.
            fixed (byte* data = payload)
            {
                rc = MosquittoNative.PublishV5(_handle, out messageId, topic, payload.Length, data, qos, retain, 0);
            }

            // libmosquitto queues a QoS>0 message before it tries to send it, so "no connection" means "queued":
            // it is sent when the network thread reconnects.
            if (rc == MosquittoNative.ErrNoConnection && qos > 0)
            {
                rc = MosquittoNative.ErrSuccess;
            }

            if (rc == MosquittoNative.ErrSuccess)
            {
                if (qos > 0)
                {
                    _pendingPublishes[messageId] = ack;
                }

                Interlocked.Increment(ref _published);
            }
        }

        if (rc is MosquittoNative.ErrInvalid or MosquittoNative.ErrMalformedUtf8)
        {
            throw new ArgumentException($"Topic '{topic}' is not a valid publish topic: {MosquittoNative.ErrorText(rc)}.", nameof(topic));
        }

        if (rc is MosquittoNative.ErrPayloadSize or MosquittoNative.ErrOversizePacket)
        {
            throw new ArgumentException($"Payload of {payload.Length} bytes for '{topic}' is too large: {MosquittoNative.ErrorText(rc)}.", nameof(payload));
        }

        return rc;
    }

    private (int Rc, int Errno) ConnectNative()
    {
        nint properties = 0;
        try
        {
            if (_options.SessionExpirySeconds > 0)
            {
                Check(MosquittoNative.PropertyAddInt32(ref properties, MosquittoNative.PropSessionExpiryInterval, _options.SessionExpirySeconds), "Session expiry property");
            }

            int rc = MosquittoNative.ConnectBindV5(_handle, _options.Host, _options.Port, _options.KeepAliveSeconds, null, properties);
            return (rc, Marshal.GetLastPInvokeError());
        }
        finally
        {
            if (properties != 0)
            {
                MosquittoNative.PropertyFreeAll(ref properties);
            }
        }
    }

    private async Task StopLoopAsync()
    {
        bool started;
        lock (_gate)
        {
            started = _loopStarted;
            _loopStarted = false;
        }

        // Reason 0 = normal disconnection: the broker discards our will. Also tells the loop to stop reconnecting.
        _ = MosquittoNative.DisconnectV5(_handle, 0, 0);
        if (started)
        {
            nint handle = _handle;
            await Task.Run(() => MosquittoNative.LoopStop(handle, false)).ConfigureAwait(false);
        }

        _isConnected = false;
    }

    private unsafe void Configure()
    {
        Check(MosquittoNative.IntOption(_handle, MosquittoNative.OptProtocolVersion, MosquittoNative.ProtocolV5), "Setting MQTT 5");
        if (_options.Username is not null)
        {
            Check(MosquittoNative.UsernamePasswordSet(_handle, _options.Username, _options.Password), "Setting username/password");
        }

        if (_options.TlsCaFile is not null)
        {
            Check(MosquittoNative.TlsSet(_handle, _options.TlsCaFile, null, _options.TlsCertFile, _options.TlsKeyFile, 0), "Setting TLS files");
        }

        if (_options.Will is { } will)
        {
            fixed (byte* data = will.Payload.Span)
            {
                Check(MosquittoNative.WillSetV5(_handle, will.Topic, will.Payload.Length, data, will.Qos, will.Retain, 0), $"Setting will on '{will.Topic}'");
            }
        }

        Check(
            MosquittoNative.ReconnectDelaySet(_handle, (uint)_options.ReconnectDelayMin.TotalSeconds, (uint)_options.ReconnectDelayMax.TotalSeconds, true),
            "Setting reconnect delay");
        MosquittoNative.ConnectV5CallbackSet(_handle, &OnConnectNative);
        MosquittoNative.DisconnectV5CallbackSet(_handle, &OnDisconnectNative);
        MosquittoNative.PublishV5CallbackSet(_handle, &OnPublishNative);
        MosquittoNative.MessageV5CallbackSet(_handle, &OnMessageNative);
        MosquittoNative.SubscribeV5CallbackSet(_handle, &OnSubscribeNative);
        MosquittoNative.LogCallbackSet(_handle, &OnLogNative);
    }

    private static int InitLibrary()
    {
        int rc = MosquittoNative.LibInit();
        if (rc != MosquittoNative.ErrSuccess)
        {
            throw new MosquittoException("mosquitto_lib_init", rc);
        }

        // Never paired with mosquitto_lib_cleanup: clients may live until process exit.
        return rc;
    }

    private static void CheckTopic(string topic, string paramName)
    {
        if (string.IsNullOrEmpty(topic) || topic.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("Topic must be non-empty and must not contain NUL.", paramName);
        }
    }

    private static void CheckQos(int qos, string paramName)
    {
        if (qos is < 0 or > 2)
        {
            throw new ArgumentOutOfRangeException(paramName, qos, "QoS must be 0, 1 or 2.");
        }
    }

    private static void Check(int rc, string operation)
    {
        if (rc != MosquittoNative.ErrSuccess)
        {
            throw new MosquittoException(operation, rc);
        }
    }

    private string DescribeLastLogError()
    {
        string? error = Volatile.Read(ref _lastLogError);
        return error is null ? string.Empty : $" (libmosquitto: {error})";
    }

    private static string DescribeReason(int code) =>
        code == 0 ? "success" : code >= 0x80 ? MosquittoNative.ReasonText(code) : MosquittoNative.ErrorText(code);

    private static MosquittoClient? FromUserData(nint userData) =>
        userData == 0 ? null : GCHandle.FromIntPtr(userData).Target as MosquittoClient;

    // ---- Native callbacks: static, never throw across the boundary; the client is found through the GCHandle. ----

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnConnectNative(nint mosq, nint userData, int rc, int flags, nint properties)
    {
        Guard(userData, (rc, flags), static (c, s) => c.OnConnect(s.rc, (s.flags & 1) != 0));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnDisconnectNative(nint mosq, nint userData, int rc, nint properties)
    {
        Guard(userData, rc, static (c, code) => c.OnDisconnect(code));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnPublishNative(nint mosq, nint userData, int mid, int reasonCode, nint properties)
    {
        Guard(userData, (mid, reasonCode), static (c, s) => c.OnPublishAcked(s.mid, s.reasonCode));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private unsafe static void OnMessageNative(nint mosq, nint userData, MosquittoMessageNative* message, nint properties)
    {
        Guard(userData, (nint)message, static (c, m) =>
        {
            var msg = (MosquittoMessageNative*)m;
            if (msg is not null)
            {
                string topic = Marshal.PtrToStringUTF8((nint)msg->Topic) ?? string.Empty;
                byte[] payload = msg->PayloadLength > 0 ? new ReadOnlySpan<byte>(msg->Payload, msg->PayloadLength).ToArray() : [];
                c.OnMessage(new MqttMessageEventArgs(topic, payload, msg->Qos, msg->Retain != 0));
            }
        });
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private unsafe static void OnSubscribeNative(nint mosq, nint userData, int mid, int qosCount, int* grantedQos, nint properties)
    {
        int granted = qosCount > 0 && grantedQos is not null ? grantedQos[0] : 0x80;
        Guard(userData, (mid, granted), static (c, s) => c.OnSubscribed(s.mid, s.granted));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void OnLogNative(nint mosq, nint userData, int level, byte* text)
    {
        if (level == MosquittoNative.LogError)
        {
            Guard(userData, (nint)text, static (c, t) => c.OnLogError(Marshal.PtrToStringUTF8(t) ?? "unknown error"));
        }
    }

    /// <summary>
    /// Runs a callback body for the client behind <paramref name="userData"/>: nothing may propagate into native code,
    /// so a fault is counted (<see cref="CallbackFaults"/>) instead. Static lambdas and value-tuple state keep this
    /// allocation-free on the message path.
    /// </summary>
    private static void Guard<TState>(nint userData, TState state, Action<MosquittoClient, TState> body)
    {
        MosquittoClient? client = FromUserData(userData);
        if (client is null)
        {
            return;
        }

        try
        {
            body(client, state);
        }
#pragma warning disable CA1031 // Nothing may propagate into native code; the fault is counted instead.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref client._callbackFaults);
        }
    }

    private void OnLogError(string text)
    {
        // libmosquitto reports a failed TLS handshake only here, and its network thread then ends without a
        // connect or disconnect callback: fail a pending ConnectAsync now instead of at its timeout.
        Volatile.Write(ref _lastLogError, text);
        TaskCompletionSource? completion;
        lock (_gate)
        {
            completion = _connectCompletion;
        }

        completion?.TrySetException(new MosquittoException($"Connecting to {_options.Host}:{_options.Port} failed: {text}."));
    }

    private void OnConnect(int rc, bool sessionPresent)
    {
        TaskCompletionSource? completion;
        lock (_gate)
        {
            completion = _connectCompletion;
            if (rc == 0)
            {
                _connectCompletion = null;
                _isConnected = true;
                Interlocked.Increment(ref _connects);
                if (!sessionPresent)
                {
                    // The broker lost (or never had) our session: renew the subscriptions we made.
                    foreach ((string filter, int qos) in _subscriptions)
                    {
                        _ = MosquittoNative.SubscribeV5(_handle, out _, filter, qos, 0, 0);
                    }
                }
            }
        }

        MqttConnectionEventArgs args = new(rc, DescribeReason(rc), sessionPresent);
        if (rc == 0)
        {
            completion?.TrySetResult();
            Connected?.Invoke(this, args);
        }
        else
        {
            completion?.TrySetException(new MosquittoException($"Broker {_options.Host}:{_options.Port} refused the connection: {args.Reason}.") { ErrorCode = rc });
        }
    }

    private void OnDisconnect(int rc)
    {
        _isConnected = false;
        MqttConnectionEventArgs args = new(rc, rc == 0 ? "disconnect requested" : DescribeReason(rc), false);
        TaskCompletionSource? completion;
        lock (_gate)
        {
            completion = _connectCompletion;
        }

        completion?.TrySetException(new MosquittoException($"Connection to {_options.Host}:{_options.Port} closed before CONNACK: {args.Reason}.") { ErrorCode = rc });
        Disconnected?.Invoke(this, args);
    }

    private void OnPublishAcked(int mid, int reasonCode)
    {
        TaskCompletionSource? ack;
        lock (_gate)
        {
            // QoS 0 publishes also report here (when written); they were never registered.
            if (!_pendingPublishes.Remove(mid, out ack))
            {
                return;
            }

            Interlocked.Increment(ref _acked);
        }

        if (reasonCode >= 0x80)
        {
            ack?.TrySetException(new MosquittoException($"Broker rejected publish {mid}: {MosquittoNative.ReasonText(reasonCode)}.") { ErrorCode = reasonCode });
        }
        else
        {
            ack?.TrySetResult();
        }
    }

    private void OnSubscribed(int mid, int grantedQos)
    {
        TaskCompletionSource<int>? granted;
        lock (_gate)
        {
            if (!_pendingSubscribes.Remove(mid, out granted))
            {
                return; // an automatic re-subscription
            }
        }

        if (grantedQos >= 0x80)
        {
            granted.TrySetException(new MosquittoException($"Broker refused subscription: {MosquittoNative.ReasonText(grantedQos)}.") { ErrorCode = grantedQos });
        }
        else
        {
            granted.TrySetResult(grantedQos);
        }
    }

    private void OnMessage(MqttMessageEventArgs message)
    {
        Interlocked.Increment(ref _received);
        MessageReceived?.Invoke(this, message);
    }
}
