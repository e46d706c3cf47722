using System.Security.Cryptography;
using System.Text;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Pipeline.Streaming;
using HeartStream.Pipeline.Telemetry;

namespace HeartStream.Pipeline.Live;

/// <summary>
/// A <see cref="IDeviceAnalyzerFactory"/> whose segmenter parameters can be replaced while the service runs, so a retrained
/// baseline goes live without a restart. New parameters are checked (valid JSON, same feature hash as this build, a test
/// inference) before an atomic swap; devices created afterwards use them, devices already running keep their session so
/// no audio is lost. A rejected file leaves the running parameters in place.
/// </summary>
public sealed class ReloadingAnalyzerFactory : IDeviceAnalyzerFactory, IDisposable
{
    /// <summary>Name under which the parameters appear in heartstream_model_info.</summary>
    public const string ModelName = "segmenter-baseline";

    private readonly StreamingDecoderOptions? _options;
    private readonly List<ParametersWatcher> _watchers = [];
    private Loaded _current;

    public ReloadingAnalyzerFactory(SegmenterParameters parameters, StreamingDecoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _options = options;
        _current = new Loaded(parameters, IdentityOf(parameters));
        HeartStreamMetrics.SetModelInfo(ModelName, _current.Identity, "CPU");
    }

    /// <summary>The parameters new devices get.</summary>
    public SegmenterParameters Parameters => Volatile.Read(ref _current).Parameters;

    /// <summary>Short identity of the current parameters (first 12 hex digits of the SHA-256 of their JSON).</summary>
    public string Identity => Volatile.Read(ref _current).Identity;

    /// <summary>How many reloads were accepted since construction.</summary>
    public int Reloads { get; private set; }

    public IDeviceAnalyzer Create(string deviceId, int sampleRate) => new SegmentationSessionAnalyzer(Parameters, sampleRate, _options);

    /// <summary>
    /// Loads <paramref name="parametersPath"/>, checks it and swaps it in for new devices. Returns false, keeping the
    /// current parameters, when the file is unreadable, invalid, trained on other features or fails the test inference;
    /// <paramref name="message"/> says what happened either way.
    /// </summary>
    public bool TryReload(string parametersPath, out string message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parametersPath);
        SegmenterParameters candidate;
        try
        {
            candidate = SegmenterParameters.Load(parametersPath);
            string expected = FeatureSettings.Default.Hash();
            if (!string.Equals(candidate.FeatureSettingsHash, expected, StringComparison.OrdinalIgnoreCase))
            {
                string got = candidate.FeatureSettingsHash.Length == 0 ? "(none)" : Short(candidate.FeatureSettingsHash) + "…";
                message = $"rejected {parametersPath}: feature hash {got} differs from this build's {Short(expected)}…; retrain (heartstream train baseline); keeping {Identity}";
                return false;
            }

            TestInference(candidate, _options);
        }
#pragma warning disable CA1031 // any failure of an untrusted parameters file must reject it, never stop the live service
        catch (Exception e)
#pragma warning restore CA1031
        {
            message = $"rejected {parametersPath}: {e.Message}; keeping {Identity}";
            return false;
        }

        var loaded = new Loaded(candidate, IdentityOf(candidate));
        string previous = Identity;
        Volatile.Write(ref _current, loaded);
        Reloads++;
        HeartStreamMetrics.SetModelInfo(ModelName, loaded.Identity, "CPU");
        message = $"reloaded {parametersPath}: segmenter parameters {previous} -> {loaded.Identity} for new devices";
        return true;
    }

    /// <summary>Polls <paramref name="parametersPath"/> and reloads it when its last-write time changes; disposed with this factory.</summary>
    public ParametersWatcher Watch(string parametersPath, Action<bool, string> report, TimeSpan? interval = null)
    {
        var watcher = new ParametersWatcher(this, parametersPath, report, interval ?? ParametersWatcher.DefaultInterval);
        lock (_watchers)
        {
            _watchers.Add(watcher);
        }

        return watcher;
    }

    public void Dispose()
    {
        lock (_watchers)
        {
            foreach (ParametersWatcher w in _watchers)
            {
                w.Dispose();
            }

            _watchers.Clear();
        }
    }

    /// <summary>Runs a session over 3 s of a deterministic synthetic signal (decaying 50 Hz bursts at 72 bpm, not real audio).</summary>
    private static void TestInference(SegmenterParameters parameters, StreamingDecoderOptions? options)
    {
        const int rate = AnalysisRate.SampleRate;
        var audio = new float[3 * rate];
        for (int i = 0; i < audio.Length; i++)
        {
            double t = (double)i / rate;
            double beat = t % (60.0 / 72);
            double s1 = beat < 0.1 ? Math.Exp(-beat * 30) : 0;
            double s2 = beat is >= 0.3 and < 0.38 ? 0.6 * Math.Exp(-(beat - 0.3) * 30) : 0;
            audio[i] = (float)((s1 + s2) * Math.Sin(2 * Math.PI * 50 * t));
        }

        var session = new StreamingSegmentationSession(parameters, rate, options);
        var sounds = new List<HeartSound>();
        session.Push(audio, sounds);
        session.Flush(sounds);
    }

    private static string IdentityOf(SegmenterParameters parameters) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(parameters.ToJson())))[..12];

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    private sealed record Loaded(SegmenterParameters Parameters, string Identity);
}
