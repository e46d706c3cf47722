using System.Text.Json;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Live;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Web;

/// <summary>
/// What the web views show, kept from the pipeline's events (an <see cref="IEventSink"/> after the alert stage, so it
/// sees alerts too): per device the latest vitals, status, classifier decision and active alerts (the tile), and for
/// the bedside view the last 20 s of display envelope and S1/S2, the heart-rate trend of the last hour and the alert
/// history. Every change bumps the device's version; the views' streams send what changed since they last looked.
/// One writer (the dispatch stage), many readers (web requests) under one lock; nothing here blocks analysis.
/// </summary>
public sealed class StationState : IEventSink
{
    /// <summary>Seconds of waveform and beats the bedside view can show.</summary>
    public const double BedsideSeconds = 20;

    /// <summary>Spacing of heart-rate trend points, seconds of device time.</summary>
    public const double TrendStepSeconds = 10;

    private const int TrendPoints = 360; // an hour
    private const int HistoryLength = 50;
    private const double HandoverSeconds = 10;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Device> _devices = new(StringComparer.Ordinal);
    private readonly List<(string Id, long Version)> _removed = [];
    private long _version;
    private long _lastPrune;

    /// <summary>How long an offline device's tile stays (it went away: the staff should see that) before it is dropped.</summary>
    public TimeSpan OfflineRetention { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Increases with every change of any device.</summary>
    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    /// <summary>Devices known (online or not).</summary>
    public int DeviceCount
    {
        get
        {
            lock (_gate)
            {
                return _devices.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(PipelineEvent pipelineEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipelineEvent);
        lock (_gate)
        {
            if (!_devices.TryGetValue(pipelineEvent.DeviceId, out Device? d))
            {
                d = new Device(pipelineEvent.DeviceId);
                _devices.Add(d.Id, d);
            }

            (bool tile, bool detail) = Apply(d, pipelineEvent);
            _version++;
            if (tile)
            {
                d.TileVersion = _version;
            }

            if (detail)
            {
                d.DetailVersion = _version;
            }

            if (pipelineEvent is DeviceStatusEvent status)
            {
                d.OfflineSince = status.Status == DeviceStatus.Offline ? Environment.TickCount64 : long.MaxValue;
            }

            PruneLocked();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>Drops devices offline for longer than <see cref="OfflineRetention"/> (checked at most once a second).</summary>
    private void PruneLocked()
    {
        long now = Environment.TickCount64;
        if (now - _lastPrune < Math.Min(1000, OfflineRetention.TotalMilliseconds))
        {
            return;
        }

        _lastPrune = now;
        List<string>? gone = null;
        foreach (Device d in _devices.Values)
        {
            if (d.OfflineSince != long.MaxValue && now - d.OfflineSince >= OfflineRetention.TotalMilliseconds)
            {
                (gone ??= []).Add(d.Id);
            }
        }

        foreach (string id in gone ?? [])
        {
            _devices.Remove(id);
            _removed.Add((id, ++_version));
        }

        if (_removed.Count > 10_000)
        {
            _removed.RemoveRange(0, _removed.Count - 10_000); // a viewer that far behind reconnects and starts afresh
        }
    }

    /// <summary>A device whose stream continues another instance's: its tile says "handover" while its history rebuilds.</summary>
    public void MarkHandover(string deviceId)
    {
        lock (_gate)
        {
            if (!_devices.TryGetValue(deviceId, out Device? d))
            {
                d = new Device(deviceId);
                _devices.Add(deviceId, d);
            }

            d.HandoverUntil = d.StreamTime + HandoverSeconds;
            d.TileVersion = ++_version;
        }
    }

    /// <summary>An active alert was acknowledged (its next message would say so; the tile stops flashing now).</summary>
    public void MarkAcknowledged(string alertId, string deviceId)
    {
        lock (_gate)
        {
            if (_devices.TryGetValue(deviceId, out Device? d) && d.Active.TryGetValue(alertId, out AlertEvent? a))
            {
                d.Active[alertId] = a with { Acknowledged = true };
                d.TileVersion = d.DetailVersion = ++_version;
            }
        }
    }

    /// <summary>Whether the device is known.</summary>
    public bool Contains(string deviceId)
    {
        lock (_gate)
        {
            return _devices.ContainsKey(deviceId);
        }
    }

    /// <summary>The device of an active alert, or null.</summary>
    public string? DeviceOfAlert(string alertId)
    {
        lock (_gate)
        {
            foreach (Device d in _devices.Values)
            {
                if (d.Active.ContainsKey(alertId))
                {
                    return d.Id;
                }
            }

            return null;
        }
    }

    /// <summary>Writes the tiles of devices changed after <paramref name="since"/> (all with 0); returns the version written up to.</summary>
    public long WriteTiles(Utf8JsonWriter json, long since)
    {
        lock (_gate)
        {
            json.WriteStartObject();
            json.WriteNumber("version", _version);
            json.WriteBoolean("full", since < 0); // every tile: a (re)connected viewer drops the ones not listed
            json.WriteStartArray("tiles");
            foreach (Device d in _devices.Values)
            {
                if (d.TileVersion > since)
                {
                    WriteTile(json, d);
                }
            }

            json.WriteEndArray();
            json.WriteStartArray("removed");
            foreach ((string id, long version) in _removed)
            {
                if (version > since && since >= 0)
                {
                    json.WriteStringValue(id);
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
            return _version;
        }
    }

    /// <summary>
    /// Writes one device's bedside update: its tile, the waveform blocks and beats after the given sequence numbers,
    /// and (when <paramref name="full"/>) its trend and alert history. Returns false for an unknown device.
    /// </summary>
    public bool WriteBedside(Utf8JsonWriter json, string deviceId, ref long waveformSeq, ref long beatSeq, ref long detailVersion, bool full)
    {
        lock (_gate)
        {
            if (!_devices.TryGetValue(deviceId, out Device? d))
            {
                return false;
            }

            json.WriteStartObject();
            json.WritePropertyName("tile");
            WriteTile(json, d);
            json.WriteStartArray("waveform");
            foreach ((long seq, WaveformEvent w) in d.Waveform)
            {
                if (seq > waveformSeq)
                {
                    json.WriteStartObject();
                    json.WriteNumber("start", Math.Round(w.StartSeconds, 3));
                    json.WriteNumber("rate", w.PointsPerSecond);
                    json.WriteStartArray("peaks");
                    foreach (float p in w.Peaks)
                    {
                        json.WriteNumberValue(MathF.Round(p, 4));
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                    waveformSeq = seq;
                }
            }

            json.WriteEndArray();
            json.WriteStartArray("beats");
            foreach ((long seq, HeartSound s) in d.Beats)
            {
                if (seq > beatSeq)
                {
                    json.WriteStartObject();
                    json.WriteString("type", s.Type == SoundType.S1 ? "S1" : "S2");
                    json.WriteNumber("start", Math.Round(s.StartSeconds, 3));
                    json.WriteNumber("end", Math.Round(s.EndSeconds, 3));
                    json.WriteEndObject();
                    beatSeq = seq;
                }
            }

            json.WriteEndArray();
            if (full || d.DetailVersion > detailVersion)
            {
                json.WriteStartArray("trend");
                foreach ((double t, double bpm) in d.Trend)
                {
                    json.WriteStartArray();
                    json.WriteNumberValue(Math.Round(t, 1));
                    json.WriteNumberValue(Math.Round(bpm, 1));
                    json.WriteEndArray();
                }

                json.WriteEndArray();
                json.WriteStartArray("history");
                foreach (AlertEvent a in d.History)
                {
                    WriteAlert(json, a);
                }

                json.WriteEndArray();
                if (d.Probabilities is not null)
                {
                    json.WriteStartObject("classification");
                    json.WriteString("model", d.Model);
                    json.WriteNumber("time", Math.Round(d.ClassifiedAt, 1));
                    foreach ((string name, double p) in d.Probabilities)
                    {
                        WriteNullable(json, name, p, 3); // NaN: the classifier cannot tell
                    }

                    json.WriteEndObject();
                }

                detailVersion = d.DetailVersion;
            }

            json.WriteEndObject();
            return true;
        }
    }

    private static (bool Tile, bool Detail) Apply(Device d, PipelineEvent e)
    {
        d.StreamTime = Math.Max(d.StreamTime, e.StreamTimeSeconds);
        switch (e)
        {
            case VitalsEvent v:
                d.HeartRate = v.HeartRateBpm;
                d.Irregularity = v.IntervalIrregularity;
                d.Quality = v.SignalQuality;
                if (v.HeartRateBpm is double bpm && (d.Trend.Count == 0 || v.StreamTimeSeconds - d.Trend.Last!.Value.Time >= TrendStepSeconds))
                {
                    d.Trend.AddLast((v.StreamTimeSeconds, bpm));
                    if (d.Trend.Count > TrendPoints)
                    {
                        d.Trend.RemoveFirst();
                    }

                    return (true, true);
                }

                return (true, false);
            case DeviceStatusEvent s:
                d.Status = s.Status;
                d.Reason = s.Reason;
                return (true, false);
            case AlertEvent a:
                if (a.State == AlertState.Cleared)
                {
                    d.Active.Remove(a.AlertId);
                }
                else
                {
                    d.Active[a.AlertId] = a;
                }

                if (a.State != AlertState.Updated)
                {
                    d.History.AddLast(a);
                    if (d.History.Count > HistoryLength)
                    {
                        d.History.RemoveFirst();
                    }
                }

                return (true, true);
            case ClassificationEvent c:
                d.Probabilities = c.Probabilities;
                d.Model = c.ModelVersion;
                d.ClassifiedAt = c.StreamTimeSeconds;
                d.Decision = Decide(c.Probabilities);
                return (true, true);
            case BeatEvent b:
                d.Beats.AddLast((++d.BeatSeq, b.Sound));
                while (d.Beats.Count > 0 && d.Beats.First!.Value.Sound.EndSeconds < b.Sound.EndSeconds - BedsideSeconds)
                {
                    d.Beats.RemoveFirst();
                }

                return (false, false);
            case WaveformEvent w:
                d.Waveform.AddLast((++d.WaveformSeq, w));
                while (d.Waveform.Count > 0 && d.Waveform.First!.Value.Block.StreamTimeSeconds <= w.StreamTimeSeconds - BedsideSeconds)
                {
                    d.Waveform.RemoveFirst();
                }

                return (false, false);
            default:
                return (false, false);
        }
    }

    /// <summary>The classifier's decision in words: the most probable of its decision classes.</summary>
    private static string Decide(IReadOnlyDictionary<string, double> probabilities)
    {
        // The murmur frame model reports P(murmur), a score and the patient-level Present / Unknown / Absent.
        string[] decision = ["Present", "Unknown", "Absent"];
        IEnumerable<KeyValuePair<string, double>> candidates = probabilities.Where(p => decision.Contains(p.Key, StringComparer.Ordinal));
        if (!candidates.Any())
        {
            candidates = probabilities;
        }

        KeyValuePair<string, double> best = candidates.OrderByDescending(p => p.Value).FirstOrDefault();
        return best.Key is null ? "" : best.Key;
    }

    private static void WriteTile(Utf8JsonWriter json, Device d)
    {
        json.WriteStartObject();
        json.WriteString("id", d.Id);
        json.WriteString("status", d.StreamTime < d.HandoverUntil && d.Status == DeviceStatus.Online ? "handover" : StatusName(d.Status));
        if (d.Reason is not null)
        {
            json.WriteString("reason", d.Reason);
        }

        WriteNullable(json, "hr", d.HeartRate, 0);
        WriteNullable(json, "irregularity", d.Irregularity, 3);
        WriteNullable(json, "quality", d.Quality, 2);
        json.WriteNumber("time", Math.Round(d.StreamTime, 1));
        json.WriteString("decision", d.Decision);
        json.WriteStartArray("alerts");
        foreach (AlertEvent a in d.Active.Values.OrderByDescending(a => a.Priority).ThenBy(a => a.RaisedSeconds))
        {
            WriteAlert(json, a);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteAlert(Utf8JsonWriter json, AlertEvent a)
    {
        json.WriteStartObject();
        json.WriteString("id", a.AlertId);
        json.WriteString("type", AlertTypeInfo.WireName(a.Type));
        json.WriteString("priority", a.Priority.ToString().ToLowerInvariant());
        json.WriteString("state", a.State.ToString().ToLowerInvariant());
        json.WriteBoolean("acknowledged", a.Acknowledged);
        json.WriteNumber("raised", Math.Round(a.RaisedSeconds, 1));
        json.WriteString("message", a.Message);
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value, int digits)
    {
        if (value is double v && double.IsFinite(v))
        {
            json.WriteNumber(name, Math.Round(v, digits));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string StatusName(DeviceStatus status) => status switch
    {
        DeviceStatus.Online => "online",
        DeviceStatus.NoSignal => "no-signal",
        DeviceStatus.Error => "error",
        _ => "offline",
    };

    private sealed class Device(string id)
    {
        public string Id { get; } = id;
        public DeviceStatus Status { get; set; } = DeviceStatus.Online;
        public string? Reason { get; set; }
        public double? HeartRate { get; set; }
        public double? Irregularity { get; set; }
        public double Quality { get; set; }
        public double StreamTime { get; set; }
        public double HandoverUntil { get; set; } = double.NegativeInfinity;
        public string Decision { get; set; } = "";
        public IReadOnlyDictionary<string, double>? Probabilities { get; set; }
        public string? Model { get; set; }
        public double ClassifiedAt { get; set; }
        public Dictionary<string, AlertEvent> Active { get; } = new(StringComparer.Ordinal);
        public LinkedList<AlertEvent> History { get; } = new();
        public LinkedList<(double Time, double Bpm)> Trend { get; } = new();
        public LinkedList<(long Seq, HeartSound Sound)> Beats { get; } = new();
        public LinkedList<(long Seq, WaveformEvent Block)> Waveform { get; } = new();
        public long BeatSeq { get; set; }
        public long WaveformSeq { get; set; }
        public long TileVersion { get; set; }
        public long DetailVersion { get; set; }
        public long OfflineSince { get; set; } = long.MaxValue;
    }
}
