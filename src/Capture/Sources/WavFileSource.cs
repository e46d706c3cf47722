using System.Runtime.CompilerServices;
using System.Diagnostics;
using HeartStream.Capture.Audio;

namespace HeartStream.Capture.Sources;

/// <summary>
/// Replays a WAV file as a device: at real-time pace, N× faster, or as fast as possible, once or looped
/// (<see cref="WavReplayOptions"/>). Reads block by block through <see cref="WavStreamReader"/>, so a corrupt file
/// fails when the bad part is reached (as a live device would), with the reader's message naming the file.
/// </summary>
/// <remarks>
/// Pacing is by elapsed wall time, not by sleeping a fixed period per chunk: each read releases the samples whose
/// stream time has come (position ≤ elapsed × speed × rate), so timer jitter and slow readers never make replay drift.
/// Waiting uses one <see cref="PeriodicTimer"/>, whose waits do not allocate.
/// </remarks>
public sealed class WavFileSource : IAudioSource
{
    private readonly string _path;
    private readonly WavReplayOptions _options;
    private WavStreamReader? _reader;
    private PeriodicTimer? _timer;
    private long _startTimestamp;
    private long _released;   // samples returned so far (stream position, across loops)
    private long _fileFrames; // frames read from the current pass
    private bool _ended;

    /// <summary>Creates the source; nothing is opened until <see cref="OpenAsync"/>.</summary>
    public WavFileSource(string path, string deviceId, WavReplayOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        _options = options ?? WavReplayOptions.RealTime;
        _options.Validate();
        _path = path;
        DeviceId = deviceId;
    }

    public string DeviceId { get; }

    /// <summary>Paced replays are live (they never wait); speed 0 waits for the reader.</summary>
    public bool IsLive => _options.Speed > 0;

    public int SampleRate { get; private set; }

    /// <summary>The file replayed.</summary>
    public string Path => _path;

    /// <summary>Samples returned so far (stream position).</summary>
    public long Position => _released;

    public async ValueTask<int> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_reader is not null)
        {
            throw new InvalidOperationException($"Source '{DeviceId}' is already open.");
        }

        if (_options.StartDelay > TimeSpan.Zero)
        {
            await Task.Delay(_options.StartDelay, cancellationToken).ConfigureAwait(false);
        }

        _reader = WavStreamReader.Open(_path);
        SampleRate = _reader.SampleRate;
        if (_options.Speed > 0)
        {
            _timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.TickMilliseconds));
        }

        _startTimestamp = Stopwatch.GetTimestamp();
        return SampleRate;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // a suspended read reuses its state box: no allocation per chunk
    public async ValueTask<int> ReadAsync(Memory<float> buffer, CancellationToken cancellationToken = default)
    {
        WavStreamReader reader = _reader ?? throw new InvalidOperationException($"Source '{DeviceId}' must be opened before reading.");
        if (buffer.IsEmpty)
        {
            throw new ArgumentException("The read buffer must hold at least one sample.", nameof(buffer));
        }

        while (!_ended)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int want = buffer.Length;
            if (_timer is not null)
            {
                double due = Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds * _options.Speed * SampleRate;
                long available = (long)due - _released;
                if (available <= 0)
                {
                    if (!await _timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return 0;
                    }

                    continue;
                }

                want = (int)Math.Min(want, available);
            }

            int n = reader.Read(buffer.Span[..want]);
            if (n > 0)
            {
                _fileFrames += n;
                _released += n;
                return n;
            }

            if (!_options.Loop || _fileFrames == 0)
            {
                _ended = true;
                break;
            }

            // End of this pass: start the file again; stream time runs on.
            reader.Dispose();
            _reader = reader = WavStreamReader.Open(_path);
            _fileFrames = 0;
            if (reader.SampleRate != SampleRate)
            {
                throw new WavFormatException(_path, $"sample rate changed from {SampleRate} Hz to {reader.SampleRate} Hz between loops");
            }
        }

        return 0;
    }

    public ValueTask DisposeAsync()
    {
        _reader?.Dispose();
        _timer?.Dispose();
        _reader = null;
        _ended = true;
        return ValueTask.CompletedTask;
    }
}
