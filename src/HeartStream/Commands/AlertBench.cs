using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Commands;

/// <summary>
/// The measurement behind <c>heartstream bench alerts</c>: replays recordings labelled normal through the live
/// pipeline's own device analysis stage (made by the given <see cref="IDeviceAnalyzerFactory"/>, so a new live analysis
/// path is measured the same way) into a fresh <see cref="AlertEngine"/> per recording, and counts raised alerts per
/// hour of audio by data set, age group and type. Every raised alert is also written as one evidence line (what the
/// engine saw, and the heart rate of the data set's own S1 annotation over the same window where there is one), so
/// each false alert can be traced to its cause.
/// </summary>
internal sealed class AlertBench
{
    private const double VitalsInterval = 1.0;
    private const double VitalsWindow = 10.0;
    private readonly IDeviceAnalyzerFactory _analyzers;
    private readonly bool _heardBeatGate;
    private readonly ILiveClassifierFactory? _classifiers;

    /// <param name="analyzers">The live analysis under test.</param>
    /// <param name="heardBeatGate">Pipeline:HeardBeatGate.</param>
    /// <param name="classifiers">Live classifiers per recording (murmur / abnormal alerts), or null for none.</param>
    public AlertBench(IDeviceAnalyzerFactory analyzers, bool heardBeatGate = false, ILiveClassifierFactory? classifiers = null)
    {
        ArgumentNullException.ThrowIfNull(analyzers);
        _analyzers = analyzers;
        _heardBeatGate = heardBeatGate;
        _classifiers = classifiers;
    }

    /// <summary>Replays every recording (in parallel) and returns the per-recording results in input order.</summary>
    public IReadOnlyList<AlertBenchResult> Run(IReadOnlyList<AlertBenchRecording> recordings, AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(options);
        var results = new AlertBenchResult[recordings.Count];
        Parallel.For(0, recordings.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            AlertBenchRecording r = recordings[i];
            try
            {
                (double seconds, List<AlertEvent> raised, List<HeartSound> sounds) = Replay(r, options);
                results[i] = new AlertBenchResult(r, seconds, raised, null) { Sounds = sounds };
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException)
            {
                results[i] = new AlertBenchResult(r, 0, [], e.Message);
            }
        });
        return results;
    }

    /// <summary>
    /// Heart rate from an annotation (CirCor <c>.tsv</c>: start, end, state with 1 = S1) over the window ending at
    /// <paramref name="time"/>, computed like the live vitals (60 / median S1-S1 interval within 0.25..2 s); null with
    /// fewer than two such intervals.
    /// </summary>
    public static double? AnnotatedHeartRate(IReadOnlyList<double> s1Starts, double time, double window = VitalsWindow)
    {
        ArgumentNullException.ThrowIfNull(s1Starts);
        var intervals = new List<double>();
        for (int i = 1; i < s1Starts.Count; i++)
        {
            double d = s1Starts[i] - s1Starts[i - 1];
            if (s1Starts[i] <= time && s1Starts[i - 1] >= time - window && d is >= 0.25 and <= 2.0)
            {
                intervals.Add(d);
            }
        }

        if (intervals.Count < 2)
        {
            return null;
        }

        intervals.Sort();
        int n = intervals.Count;
        double median = n % 2 == 1 ? intervals[n / 2] : 0.5 * (intervals[(n / 2) - 1] + intervals[n / 2]);
        return 60.0 / median;
    }

    /// <summary>S1 start times of a CirCor annotation file (state 1), in order.</summary>
    public static List<double> ReadS1Starts(string tsvPath)
    {
        var starts = new List<double>();
        foreach (string line in File.ReadLines(tsvPath))
        {
            string[] f = line.Split('\t');
            if (f.Length >= 3 && f[2].Trim() == "1" && double.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double s))
            {
                starts.Add(s);
            }
        }

        return starts;
    }

    /// <summary>One evidence line for a raised alert.</summary>
    public static string Evidence(AlertBenchRecording r, AlertEvent a, IReadOnlyList<double>? s1Starts, IReadOnlyList<HeartSound> sounds, AlertProfile profile)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(a);
        double? annotated = s1Starts is null ? null : AnnotatedHeartRate(s1Starts, a.RaisedSeconds);
        double? wholeAnnotated = s1Starts is null ? null : AnnotatedHeartRate(s1Starts, double.MaxValue, double.MaxValue);
        (double? sys, double? dia) = SystoleDiastole(sounds, a.RaisedSeconds);
        AlertEvidence e = a.Evidence;
        return string.Create(CultureInfo.InvariantCulture,
            $"EVIDENCE set={r.Set} rec={System.IO.Path.GetFileNameWithoutExtension(r.Path)} age={r.AgeGroup} profile={r.Profile} type={AlertTypeInfo.WireName(a.Type)} onset={a.OnsetSeconds:0.0} raised={a.RaisedSeconds:0.0} hr={Num(e.HeartRateBpm, "0")} annotated_hr={Num(annotated, "0")} annotated_hr_recording={Num(wholeAnnotated, "0")} s1s2={Num(sys, "0.00")} s2s1={Num(dia, "0.00")} quality={Num(e.SignalQuality, "0.00")} irregularity={Num(e.IntervalIrregularity, "0.00")} beats={e.BeatsInWindow?.ToString(CultureInfo.InvariantCulture) ?? "-"} verdict={Verdict(a, profile, s1Starts)}");
    }

    /// <summary>Median S1→S2 and S2→next-S1 centre intervals of the sounds in the vitals window before <paramref name="time"/>.</summary>
    public static (double? S1ToS2, double? S2ToS1) SystoleDiastole(IReadOnlyList<HeartSound> sounds, double time)
    {
        var sys = new List<double>();
        var dia = new List<double>();
        for (int i = 1; i < sounds.Count; i++)
        {
            HeartSound p = sounds[i - 1], c = sounds[i];
            if (p.CentreSeconds < time - VitalsWindow || c.EndSeconds > time)
            {
                continue;
            }

            (p.Type == SoundType.S1 && c.Type == SoundType.S2 ? sys : p.Type == SoundType.S2 && c.Type == SoundType.S1 ? dia : []).Add(c.CentreSeconds - p.CentreSeconds);
        }

        return (Median(sys), Median(dia));
    }

    private static double? Median(List<double> v)
    {
        if (v.Count == 0)
        {
            return null;
        }

        v.Sort();
        int n = v.Count;
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[(n / 2) - 1] + v[n / 2]);
    }

    /// <summary>
    /// What the annotation says about a rate alert: "rate-correct" when the annotated rate over the window (else over
    /// the recording) is within 15 % of the reported one and itself beyond the profile's raise limit (the heart really
    /// beat that fast or slow: a true rate alert on a recording labelled normal), "estimate-wrong" otherwise (a
    /// segmentation error), "no-annotation" without one, "-" for other alert types.
    /// </summary>
    public static string Verdict(AlertEvent a, AlertProfile profile, IReadOnlyList<double>? s1Starts)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(profile);
        if (a.Type is not (AlertType.Tachycardia or AlertType.Bradycardia))
        {
            return "-";
        }

        double? annotated = s1Starts is null ? null : AnnotatedHeartRate(s1Starts, a.RaisedSeconds) ?? AnnotatedHeartRate(s1Starts, double.MaxValue, double.MaxValue);
        if (annotated is not double ann || a.Evidence.HeartRateBpm is not double hr)
        {
            return "no-annotation";
        }

        bool beyond = a.Type == AlertType.Tachycardia ? ann > profile.TachycardiaRaiseBpm : ann < profile.BradycardiaRaiseBpm;
        return Math.Abs(hr - ann) <= 0.15 * ann && beyond ? "rate-correct" : "estimate-wrong";
    }

    private static string Num(double? value, string format) =>
        value is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    /// <summary>One recording through the device analysis stage (no drops: the capture edge waits) and a fresh engine.</summary>
    private (double Seconds, List<AlertEvent> Raised, List<HeartSound> Sounds) Replay(AlertBenchRecording recording, AlertOptions options)
    {
        WavAudio audio = WavReader.Read(recording.Path);
        (double seconds, List<AlertEvent> events, List<HeartSound> sounds) = Replay(
            System.IO.Path.GetFileNameWithoutExtension(recording.Path), audio.Samples, audio.SampleRate, recording.Profile, options);
        return (seconds, events.Where(a => a.State == AlertState.Raised).ToList(), sounds);
    }

    /// <summary>
    /// Samples through the device analysis stage (no drops: the capture edge waits) and a fresh engine using
    /// <paramref name="profile"/>; returns every alert event (raised, updated, cleared) and the reported sounds.
    /// </summary>
    public (double Seconds, List<AlertEvent> Events, List<HeartSound> Sounds) Replay(string device, ReadOnlyMemory<float> samples, int rate, string profile, AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int chunk = Math.Max(1, rate / 10);
        var pool = new ChunkPool(chunk, 8);
        var stage = new DeviceAnalysisStage(device, rate, _analyzers.Create(device, rate), pool, VitalsInterval, VitalsWindow, _classifiers?.Create(device), _heardBeatGate);
        var input = Channel.CreateBounded<AudioChunk>(new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.Wait });
        var output = Channel.CreateUnbounded<PipelineEvent>();
        Task run = stage.RunAsync(input.Reader, output.Writer);
        var perDevice = new AlertOptions { DefaultProfile = profile, AlertIdPrefix = options.AlertIdPrefix };
        foreach ((string name, AlertProfile named) in options.Profiles)
        {
            perDevice.Profiles[name] = named;
        }

        var engine = new AlertEngine(perDevice);
        var alerts = new List<AlertEvent>();
        var sounds = new List<HeartSound>();
        Task feed = Task.Run(async () =>
        {
            for (int at = 0; at < samples.Length; at += chunk)
            {
                int n = Math.Min(chunk, samples.Length - at);
                float[] buffer = pool.Rent();
                samples.Span.Slice(at, n).CopyTo(buffer);
                await input.Writer.WriteAsync(new AudioChunk(buffer, n, at, Stopwatch.GetTimestamp())).ConfigureAwait(false);
            }

            input.Writer.Complete();
        });
        while (output.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (output.Reader.TryRead(out PipelineEvent? e))
            {
                if (e is DeviceStatusEvent { Status: DeviceStatus.Offline })
                {
                    continue; // the end of a recording is not a device going offline
                }

                if (e is BeatEvent b)
                {
                    sounds.Add(b.Sound);
                }

                engine.Process(e, alerts);
            }
        }

        run.GetAwaiter().GetResult();
        feed.GetAwaiter().GetResult();
        return ((double)samples.Length / rate, alerts, sounds);
    }
}
