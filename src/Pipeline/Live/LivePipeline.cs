using System.Collections.Concurrent;
using System.Threading.Channels;
using HeartStream.Capture.Sources;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// The live pipeline: per device, a capture stage (source → bounded drop-oldest channel) and an analysis stage
/// (segmentation, beats, vitals); all devices write one bounded events channel (full = wait) that a dispatch stage
/// hands to the sinks. Devices join with <see cref="AddDevice"/> at any time and end alone (a failing device reports
/// <see cref="DeviceStatus.Error"/>; the others go on). See docs/architecture.md for the diagram.
/// </summary>
/// <remarks>
/// Life-cycle: <see cref="Start"/>, <see cref="AddDevice"/>…, then <see cref="StopAsync"/> (graceful: sources stop
/// reading, every stage drains what it holds, sinks are completed) or <see cref="CompleteAdding"/> and await
/// <see cref="Completion"/> (finish when finite sources end). <see cref="Abort"/> is the fallback: everything is
/// cancelled and in-flight audio is lost. A failure of the pipeline itself (a sink throws) aborts every device and
/// faults <see cref="Completion"/>.
/// </remarks>
public sealed class LivePipeline : IAsyncDisposable
{
    private readonly LivePipelineOptions _options;
    private readonly IDeviceAnalyzerFactory _analyzers;
    private readonly ILiveClassifierFactory? _classifiers;
    private readonly IEventSink[] _sinks;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<string, DeviceRun> _active = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _deviceTasks = [];
    private readonly List<IDisposable> _registrations = [];
    private Channel<PipelineEvent>? _events;
    private FanInChannelWriter<PipelineEvent>? _fanIn;
    private ChannelWriter<PipelineEvent>? _addingLease;
    private Task? _completion;
    private long _dropped;
    private long _endedSamplesTicks; // analysed audio of ended devices, in 1/1000 s
    private int _devicesSeen;

    /// <param name="classifiers">
    /// Per-device window classifiers (murmur, abnormal, …) attached to each analyzer that exposes its frames; their
    /// results reach the sinks as <see cref="ClassificationEvent"/>s. Null: segmentation only.
    /// </param>
    public LivePipeline(LivePipelineOptions options, IDeviceAnalyzerFactory analyzers, IEnumerable<IEventSink> sinks, ILogger<LivePipeline>? logger = null, ILiveClassifierFactory? classifiers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(analyzers);
        ArgumentNullException.ThrowIfNull(sinks);
        options.ThrowIfInvalid();
        _options = options;
        _analyzers = analyzers;
        _classifiers = classifiers;
        _sinks = [.. sinks];
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>True once <see cref="Start"/> has run.</summary>
    public bool IsStarted => _completion is not null;

    /// <summary>Completes when every device has ended and every event reached the sinks.</summary>
    public Task Completion => _completion ?? throw new InvalidOperationException("The pipeline has not been started.");

    /// <summary>Samples dropped at the capture edge, all devices.</summary>
    public long DroppedSamples => Interlocked.Read(ref _dropped);

    /// <summary>Devices streaming now.</summary>
    public int ActiveDevices => _active.Count;

    /// <summary>Devices added so far.</summary>
    public int DevicesSeen => Volatile.Read(ref _devicesSeen);

    /// <summary>Seconds of device audio analysed so far, all devices.</summary>
    public double AnalysedSeconds
    {
        get
        {
            double total = Interlocked.Read(ref _endedSamplesTicks) / 1000.0;
            foreach (KeyValuePair<string, DeviceRun> device in _active)
            {
                total += device.Value.AnalysedSeconds;
            }

            return total;
        }
    }

    /// <summary>Items waiting in the events channel.</summary>
    public int PendingEvents => _events?.Reader.Count ?? 0;

    /// <summary>Starts the dispatch stage; devices may be added from now on.</summary>
    public void Start()
    {
        if (_completion is not null)
        {
            throw new InvalidOperationException("The pipeline is already started.");
        }

        _events = Channel.CreateBounded<PipelineEvent>(new BoundedChannelOptions(_options.EventQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        _fanIn = new FanInChannelWriter<PipelineEvent>(_events.Writer);
        _addingLease = _fanIn.CreateLease();
        TryRegisterDepth("sinks", () => _events.Reader.Count);
        TryRegisterDepth("analysis", () =>
        {
            long depth = 0;
            foreach (KeyValuePair<string, DeviceRun> device in _active)
            {
                depth += device.Value.QueuedChunks;
            }

            return depth;
        });
        Task dispatch = EventDispatchStage.RunAsync(_events.Reader, _sinks, _abort.Token);
        _completion = CompleteAsync(dispatch);
    }

    /// <summary>Starts capture and analysis of one device (the source is opened here; a bad one reports an error event).</summary>
    /// <exception cref="ArgumentException">A device with this id is streaming already.</exception>
    /// <exception cref="InvalidOperationException">Not started, or stopping.</exception>
    public void AddDevice(IAudioSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (_fanIn is null || _addingLease is null)
        {
            throw new InvalidOperationException("Start the pipeline before adding devices.");
        }

        if (_stop.IsCancellationRequested)
        {
            throw new InvalidOperationException($"The pipeline is stopping; device '{source.DeviceId}' cannot join.");
        }

        var run = new DeviceRun(this, source);
        if (!_active.TryAdd(source.DeviceId, run))
        {
            throw new ArgumentException($"Device '{source.DeviceId}' is already streaming into this pipeline.", nameof(source));
        }

        ChannelWriter<PipelineEvent> lease;
        try
        {
            lease = _fanIn.CreateLease();
        }
        catch
        {
            _active.TryRemove(source.DeviceId, out _);
            throw;
        }

        Interlocked.Increment(ref _devicesSeen);
        _deviceTasks.Add(run.RunAsync(lease));
    }

    /// <summary>No more devices will join: the pipeline completes once the current ones end.</summary>
    public void CompleteAdding() => Interlocked.Exchange(ref _addingLease, null)?.TryComplete();

    /// <summary>
    /// Graceful stop: sources stop reading, each stage drains and completes its output, sinks see every event. If
    /// <paramref name="cancellationToken"/> fires first, the pipeline is aborted instead.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_completion is null)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        CompleteAdding();
        using (cancellationToken.Register(Abort))
        {
            await _completion.ConfigureAwait(false);
        }
    }

    /// <summary>Abort: cancels every stage; in-flight audio and events are lost.</summary>
    public void Abort()
    {
        _stop.Cancel();
        _abort.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        if (_completion is not null && !_completion.IsCompleted)
        {
            Abort();
            try
            {
                await _completion.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
            {
                // aborted on dispose: expected
            }
        }

        foreach (IDisposable registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
        _abort.Dispose();
    }

    private async Task CompleteAsync(Task dispatch)
    {
        try
        {
            await dispatch.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
        {
            LiveLog.PipelineFailed(_logger, ex);
            Abort(); // devices blocked on a full events channel must not wait forever
            await WhenDevicesEndAsync().ConfigureAwait(false);
            throw;
        }

        await WhenDevicesEndAsync().ConfigureAwait(false);
        LiveLog.Drained(_logger, DevicesSeen, AnalysedSeconds, DroppedSamples);
    }

    private async Task WhenDevicesEndAsync()
    {
        try
        {
            await Task.WhenAll(_deviceTasks).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Device tasks only fail on abort; the pipeline's own outcome is reported by the caller.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void TryRegisterDepth(string stage, Func<long> depth)
    {
        if (HeartStreamMetrics.TryRegisterChannelDepth(stage, depth) is { } registration)
        {
            _registrations.Add(registration);
        }
    }

    /// <summary>One device's stages and counters.</summary>
    private sealed class DeviceRun(LivePipeline owner, IAudioSource source)
    {
        private Channel<AudioChunk>? _capture;
        private DeviceAnalysisStage? _analysis;
        private int _sampleRate;

        public double AnalysedSeconds => _analysis is { } a && _sampleRate > 0 ? (double)a.AnalysedSamples / _sampleRate : 0;

        public int QueuedChunks => _capture?.Reader.Count ?? 0;

        public async Task RunAsync(ChannelWriter<PipelineEvent> events)
        {
            await Task.Yield(); // never run a device's start-up on the caller's thread
            string id = source.DeviceId;
            long dropped = 0;
            try
            {
                LivePipelineOptions options = owner._options;
                try
                {
                    _sampleRate = await source.OpenAsync(owner._abort.Token).ConfigureAwait(false);
                    var pool = new ChunkPool(Math.Max(1, _sampleRate * options.ChunkMilliseconds / 1000), options.CaptureQueueChunks + 3);
                    IReadOnlyList<ILiveClassifier> classifiers = owner._classifiers?.Create(id) ?? [];
                    _analysis = new DeviceAnalysisStage(id, _sampleRate, owner._analyzers.Create(id, _sampleRate), pool, options.VitalsIntervalSeconds, options.VitalsWindowSeconds, classifiers, options.HeardBeatGate, reason => LiveLog.ClassifierFailed(owner._logger, id, reason), options.WaveformPointsPerSecond);
                    if (classifiers.Count > 0 && !_analysis.ClassifiersAttached)
                    {
                        LiveLog.ClassifiersNotAttached(owner._logger, id);
                    }

                    _capture = CaptureStage.CreateChannel(options.CaptureQueueChunks, pool, n =>
                    {
                        dropped += n;
                        Interlocked.Add(ref owner._dropped, n);
                        HeartStreamMetrics.AddDroppedSamples(n, CaptureStage.DropReason);
                    }, dropWhenFull: source.IsLive);
                    LiveLog.DeviceOnline(owner._logger, id, _sampleRate);
                    Task capture = CaptureStage.RunAsync(source, _capture.Writer, pool, owner._stop.Token, owner._abort.Token);
                    await _analysis.RunAsync(_capture.Reader, events, owner._abort.Token).ConfigureAwait(false);
                    await capture.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
                {
                    // Bad header, unreadable file, unusable rate: this device fails alone.
                    await events.WriteAsync(new DeviceStatusEvent(id, 0, DeviceStatus.Error, ex.Message), owner._abort.Token).ConfigureAwait(false);
                    events.TryComplete();
                    LiveLog.DeviceFailed(owner._logger, id, ex.Message);
                    return;
                }

                if (_analysis?.FailureReason is string reason)
                {
                    LiveLog.DeviceFailed(owner._logger, id, reason);
                }
                else
                {
                    LiveLog.DeviceEnded(owner._logger, id, AnalysedSeconds, dropped);
                }
            }
            catch (Exception ex)
            {
                events.TryComplete(ex);
                throw;
            }
            finally
            {
                Interlocked.Add(ref owner._endedSamplesTicks, (long)Math.Round(AnalysedSeconds * 1000));
                owner._active.TryRemove(id, out _);
                await source.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
