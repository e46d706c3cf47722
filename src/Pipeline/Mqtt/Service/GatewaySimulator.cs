using System.Diagnostics;
using HeartStream.Pipeline.Protocol;

namespace HeartStream.Pipeline.Mqtt.Service;

/// <summary>
/// A gateway simulator: publishes real recordings as HSA1 audio frames on heartstream/v1/devices/{id}/audio (or its
/// shard's topic) at
/// real-time pace (or <c>speed</c>× faster), looped, one frame per device per tick, QoS 0. Sequence numbers and device
/// timestamps run on across loops, as a real device's would. Also the load generator of the MQTT-level tests.
/// </summary>
public sealed class GatewaySimulator
{
    private readonly MqttConnection _client;
    private readonly SimulatedDevice[] _devices;
    private readonly int _frameMilliseconds;
    private readonly double _speed;
    private readonly bool _loop;
    private readonly int _qos;
    private long _framesPublished;
    private long _framesNotSent;

    /// <summary>Creates a simulator over a connected (or connecting) client.</summary>
    /// <param name="client">The publishing client.</param>
    /// <param name="devices">Device id, mono samples (±1) and their rate.</param>
    /// <param name="frameMilliseconds">Audio per frame (20..1000 ms).</param>
    /// <param name="speed">1 = real time.</param>
    /// <param name="loop">Start a recording again when it ends; false ends the device (and the run, when all ended).</param>
    /// <param name="shards">
    /// Above 0: publish on heartstream/v1/shards/{shard}/devices/{id}/audio with shard = FNV-1a(id) mod shards, as a
    /// gateway of a sharded deployment does (<see cref="Sharding.ShardMap.ShardOf"/>).
    /// </param>
    public GatewaySimulator(MqttConnection client, IEnumerable<(string DeviceId, float[] Samples, int SampleRate)> devices, int frameMilliseconds = 100, double speed = 1, bool loop = true, int shards = 0)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameMilliseconds, 20);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frameMilliseconds, 1000);
        if (!(speed > 0) || !double.IsFinite(speed))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "Speed must be a positive factor.");
        }

        _client = client;
        _frameMilliseconds = frameMilliseconds;
        _speed = speed;
        _loop = loop;
        ArgumentOutOfRangeException.ThrowIfNegative(shards);
        _devices = [.. devices.Select(d => new SimulatedDevice(d.DeviceId, d.Samples, d.SampleRate, frameMilliseconds, shards))];

        // On shard topics at QoS 1: the broker queues a shard's frames in its session while the shard moves.
        _qos = shards > 0 ? 1 : 0;
        if (_devices.Length == 0)
        {
            throw new ArgumentException("The simulator needs at least one device.", nameof(devices));
        }
    }

    /// <summary>Frames handed to the client.</summary>
    public long FramesPublished => Interlocked.Read(ref _framesPublished);

    /// <summary>Frames not sent because the client was disconnected.</summary>
    public long FramesNotSent => Interlocked.Read(ref _framesNotSent);

    /// <summary>Device ids sim-0001, sim-0002, … (the simulator's naming).</summary>
    public static string DeviceId(int index) => FormattableString.Invariant($"sim-{index + 1:D4}");

    /// <summary>Publishes until cancelled (or, without looping, until every recording ended).</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        long epochMicros = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        byte[] frame = new byte[AudioFrameCodec.MaxPayloadBytes];
        var clock = Stopwatch.StartNew();
        for (long tick = 0; ; tick++)
        {
            TimeSpan due = TimeSpan.FromMilliseconds(tick * _frameMilliseconds / _speed);
            TimeSpan wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            bool any = false;
            foreach (SimulatedDevice device in _devices)
            {
                if (device.TryNextFrame(_loop, epochMicros, frame, out int length))
                {
                    any = true;
                    if (_client.TryPublish(device.Topic, frame.AsSpan(0, length), _qos, false, out _))
                    {
                        Interlocked.Increment(ref _framesPublished);
                    }
                    else
                    {
                        Interlocked.Increment(ref _framesNotSent);
                    }
                }
            }

            if (!any)
            {
                return;
            }
        }
    }

    private sealed class SimulatedDevice
    {
        private readonly float[] _samples;
        private readonly uint _rate;
        private readonly int _frameSamples;
        private int _position;
        private long _streamSamples;
        private uint _sequence;

        public SimulatedDevice(string deviceId, float[] samples, int sampleRate, int frameMilliseconds, int shards)
        {
            Topic = shards > 0 ? MqttTopics.ShardAudio(Sharding.ShardMap.ShardOf(deviceId, shards), deviceId) : MqttTopics.Audio(deviceId);
            ArgumentNullException.ThrowIfNull(samples);
            if (samples.Length == 0)
            {
                throw new ArgumentException($"Device '{deviceId}' has an empty recording.", nameof(samples));
            }

            _samples = samples;
            _rate = (uint)sampleRate;
            _frameSamples = Math.Max(1, sampleRate * frameMilliseconds / 1000);
        }

        public string Topic { get; }

        public bool TryNextFrame(bool loop, long epochMicros, byte[] destination, out int length)
        {
            length = 0;
            if (_position >= _samples.Length)
            {
                if (!loop)
                {
                    return false;
                }

                _position = 0;
            }

            int n = Math.Min(_frameSamples, _samples.Length - _position);
            long timestamp = epochMicros + (_streamSamples * 1_000_000 / _rate);
            length = AudioFrameCodec.Encode(AudioEncoding.Pcm16, _rate, _sequence, timestamp, _samples.AsSpan(_position, n), destination);
            _position += n;
            _streamSamples += n;
            _sequence++;
            return true;
        }
    }
}
