using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Threading.Channels;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// Analysis of one device: reads its capture channel, pushes the audio through the <see cref="IDeviceAnalyzer"/>
/// (resample, features, emission model, streaming HSMM), writes a <see cref="BeatEvent"/> per final sound and a
/// <see cref="VitalsEvent"/> per vitals interval to the events channel (waiting when it is full: backpressure, no loss).
/// With window classifiers attached (an analyzer that is an <see cref="INormalizedFrameSource"/>), their results
/// become <see cref="ClassificationEvent"/>s after each push.
/// </summary>
/// <remarks>
/// <para>Device failures stay with the device: when the capture channel was completed with an error (corrupt file,
/// broken pipe) or the analyzer rejects the audio, the stage writes a <see cref="DeviceStatusEvent"/> with status
/// <see cref="DeviceStatus.Error"/> and the reason, and completes its output normally. At the end of a good stream it
/// flushes the analyzer (the last sounds and vitals) and writes <see cref="DeviceStatus.Offline"/>. Abort
/// (<paramref name="cancellationToken"/>) or a failing events channel completes the output with the exception.</para>
/// <para>Times in events are device stream time: where chunks were dropped at capture, the analysed audio skips them,
/// and sound times are mapped back through the chunk positions. Per chunk nothing is allocated; events are.</para>
/// </remarks>
public sealed class DeviceAnalysisStage
{
    private const int ArrivalCapacity = 1024;

    private readonly string _deviceId;
    private readonly int _sampleRate;
    private readonly IDeviceAnalyzer _analyzer;
    private readonly IAsyncDeviceAnalyzer? _asyncAnalyzer;
    private readonly ChunkPool _pool;
    private readonly VitalsTracker _vitals;
    private readonly ArrivalMap _arrivals = new(ArrivalCapacity);
    private readonly List<HeartSound> _sounds = new(64);
    private readonly ILiveClassifier[] _classifiers;
    private readonly float[] _probabilities;
    private readonly bool[] _failureReported;
    private readonly Action<string>? _classifierFailed;
    private readonly WaveformTap? _waveform;
    private long _analysed;
    private long _nextDeviceSample = -1;

    /// <param name="classifiers">
    /// Window classifiers of this device; attached to the analyzer's frames when it is an
    /// <see cref="INormalizedFrameSource"/> (next to any observer it has), ignored otherwise (<see cref="ClassifiersAttached"/>).
    /// </param>
    /// <param name="heardBeatGate">Vitals count only sounds that stand out of the audio's own noise (see <see cref="VitalsTracker"/>).</param>
    /// <param name="classifierFailed">Told once per classifier that fails at run time (its <see cref="LiveWindowClassifier.Failure"/>); the device goes on without it.</param>
    public DeviceAnalysisStage(
        string deviceId,
        int sampleRate,
        IDeviceAnalyzer analyzer,
        ChunkPool pool,
        double vitalsIntervalSeconds,
        double vitalsWindowSeconds,
        IReadOnlyList<ILiveClassifier>? classifiers = null,
        bool heardBeatGate = false,
        Action<string>? classifierFailed = null,
        int waveformPointsPerSecond = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentNullException.ThrowIfNull(analyzer);
        ArgumentNullException.ThrowIfNull(pool);
        _deviceId = deviceId;
        _sampleRate = sampleRate;
        _analyzer = analyzer;
        _asyncAnalyzer = analyzer as IAsyncDeviceAnalyzer;
        _pool = pool;
        _vitals = new VitalsTracker(sampleRate, vitalsIntervalSeconds, vitalsWindowSeconds, heardBeatGate);
        _classifiers = [];
        if (classifiers is { Count: > 0 } && analyzer is INormalizedFrameSource frames)
        {
            _classifiers = [.. classifiers];
            INormalizedFrameObserver[] observers = frames.FrameObserver is { } existing ? [existing, .. _classifiers] : [.. _classifiers];
            frames.FrameObserver = FrameObserverFanOut.Combine(observers);
        }

        _probabilities = new float[_classifiers.Length == 0 ? 0 : _classifiers.Max(c => c.ResultLength)];
        _failureReported = new bool[_classifiers.Length];
        _classifierFailed = classifierFailed;
        if (waveformPointsPerSecond > 0)
        {
            // Two blocks per second: a viewer's waveform advances every half second.
            int points = Math.Min(waveformPointsPerSecond, sampleRate);
            _waveform = new WaveformTap(sampleRate, points, Math.Max(1, points / 2));
        }
    }

    /// <summary>Whether window classifiers receive the analyzer's frames (false when none were given or the analyzer has no frames).</summary>
    public bool ClassifiersAttached => _classifiers.Length > 0;

    /// <summary>Why the device failed, or null.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>Samples analysed so far (excludes dropped ones).</summary>
    public long AnalysedSamples => Volatile.Read(ref _analysed);

    /// <summary>Runs until the capture channel completes; completes <paramref name="output"/>.</summary>
    public async Task RunAsync(ChannelReader<AudioChunk> input, ChannelWriter<PipelineEvent> output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        Exception? fault = null;
        try
        {
            await output.WriteAsync(new DeviceStatusEvent(_deviceId, 0, DeviceStatus.Online, null), cancellationToken).ConfigureAwait(false);
            string? deviceError = await AnalyseAsync(input, output, cancellationToken).ConfigureAwait(false);
            if (deviceError is null)
            {
                _sounds.Clear();
                string? flushError = await FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushError is not null)
                {
                    FailureReason = flushError;
                    await output.WriteAsync(new DeviceStatusEvent(_deviceId, DeviceSeconds(_analysed), DeviceStatus.Error, flushError), cancellationToken).ConfigureAwait(false);
                    output.TryComplete();
                    return;
                }

                await EmitAsync(output, double.PositiveInfinity, cancellationToken).ConfigureAwait(false);
                await output.WriteAsync(new DeviceStatusEvent(_deviceId, DeviceSeconds(_analysed), DeviceStatus.Offline, null), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                FailureReason = deviceError;
                await output.WriteAsync(new DeviceStatusEvent(_deviceId, DeviceSeconds(_analysed), DeviceStatus.Error, deviceError), cancellationToken).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Abort or a broken events channel: the exception travels down via the output.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            fault = ex;
        }

        output.TryComplete(fault);
    }

    /// <summary>Analyses until the input ends; returns null, or the reason the device failed.</summary>
    private async Task<string?> AnalyseAsync(ChannelReader<AudioChunk> input, ChannelWriter<PipelineEvent> output, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                if (!await input.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return ex.Message; // the source failed; its exception names the source and the problem
            }

            while (input.TryRead(out AudioChunk chunk))
            {
                long started = Stopwatch.GetTimestamp();
                if (_nextDeviceSample >= 0 && chunk.FirstSample > _nextDeviceSample)
                {
                    // Audio lost before this chunk (dropped at capture, or frames lost on the way): say so, so that
                    // the missing seconds are not taken for a silent heart.
                    double gap = (double)(chunk.FirstSample - _nextDeviceSample) / _sampleRate;
                    await output.WriteAsync(new AudioGapEvent(_deviceId, (double)chunk.FirstSample / _sampleRate, gap), cancellationToken).ConfigureAwait(false);
                }

                _nextDeviceSample = chunk.FirstSample + chunk.Count;
                _arrivals.Add(_analysed, chunk.FirstSample, chunk.ArrivalTimestamp);
                _sounds.Clear();
                try
                {
                    _vitals.AddAudio(chunk.Samples);
                    _waveform?.Add(chunk.Samples);
                    if (_asyncAnalyzer is null)
                    {
                        _analyzer.Push(chunk.Samples, _sounds);
                    }
                    else
                    {
                        // Waits for the shared inference batch holding this device's window (a few ms).
                        await _asyncAnalyzer.PushAsync(chunk.Buffer.AsMemory(0, chunk.Count), _sounds, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or InvalidDataException)
                {
                    _pool.Return(chunk.Buffer);
                    return $"analysis rejected the audio of device '{_deviceId}': {ex.Message}";
                }

                Volatile.Write(ref _analysed, _analysed + chunk.Count);
                _pool.Return(chunk.Buffer);
                HeartStreamMetrics.AddAudioProcessed((double)chunk.Count / _sampleRate);
                await EmitAsync(output, _analyzer.FinalizedSeconds, cancellationToken).ConfigureAwait(false);
                HeartStreamMetrics.RecordStageLatency("analysis", Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }
    }

    /// <summary>Flushes the analyzer; returns null, or the reason the device failed.</summary>
    private async ValueTask<string?> FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_asyncAnalyzer is null)
            {
                _analyzer.Flush(_sounds);
            }
            else
            {
                await _asyncAnalyzer.FlushAsync(_sounds, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or InvalidDataException)
        {
            return $"analysis of device '{_deviceId}' failed at the end of the stream: {ex.Message}";
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))] // waits on a full events channel reuse their box
    private async ValueTask EmitAsync(ChannelWriter<PipelineEvent> output, double finalizedSeconds, CancellationToken cancellationToken)
    {
        for (int i = 0; i < _sounds.Count; i++)
        {
            HeartSound sound = _sounds[i];
            _vitals.AddSound(sound);
            long centre = (long)Math.Round(sound.CentreSeconds * _sampleRate);
            double shift = 0;
            double latency = double.NaN;
            if (_arrivals.TryFind(Math.Clamp(centre, 0, Math.Max(0, _analysed - 1)), out long deviceSample, out long arrival))
            {
                shift = (double)(deviceSample - centre) / _sampleRate;
                latency = Stopwatch.GetElapsedTime(arrival).TotalSeconds;
            }

            HeartSound shifted = sound with { StartSeconds = sound.StartSeconds + shift, EndSeconds = sound.EndSeconds + shift };
            await output.WriteAsync(new BeatEvent(_deviceId, shifted, latency), cancellationToken).ConfigureAwait(false);
        }

        while (_waveform is not null && _waveform.TryTake(out float[] peaks, out long first))
        {
            double start = DeviceSeconds(first);
            double end = start + ((double)peaks.Length * _waveform.BinSamples / _sampleRate);
            await output.WriteAsync(new WaveformEvent(_deviceId, end, start, _waveform.PointsPerSecond, peaks), cancellationToken).ConfigureAwait(false);
        }

        while (_vitals.TryNext(finalizedSeconds, out double time, out double? bpm, out double? cv, out double quality, out int beats))
        {
            double deviceTime = DeviceSeconds((long)Math.Round(time * _sampleRate));
            await output.WriteAsync(new VitalsEvent(_deviceId, deviceTime, bpm, cv, quality, beats), cancellationToken).ConfigureAwait(false);
        }

        for (int c = 0; c < _classifiers.Length; c++)
        {
            ILiveClassifier classifier = _classifiers[c];
            if (classifier.Failure is string failure && !_failureReported[c])
            {
                _failureReported[c] = true;
                _classifierFailed?.Invoke(failure);
            }

            int classes = classifier.ResultLength;
            while (classifier.TryRead(out double windowEnd, _probabilities.AsSpan(0, classes)))
            {
                double deviceTime = DeviceSeconds((long)Math.Round(windowEnd * _sampleRate));
                var classification = new ClassificationEvent(_deviceId, deviceTime, classifier.Name(_probabilities.AsSpan(0, classes)), classifier.Identity);
                await output.WriteAsync(classification, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private double DeviceSeconds(long analysedSample)
    {
        long device = _arrivals.TryFind(analysedSample, out long d, out _) ? d : analysedSample;
        return (double)device / _sampleRate;
    }
}
