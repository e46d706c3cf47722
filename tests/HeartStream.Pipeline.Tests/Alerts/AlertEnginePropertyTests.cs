using FsCheck;
using FsCheck.Fluent;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;

namespace HeartStream.Pipeline.Tests.Alerts;

/// <summary>Lifecycle invariants on random event sequences over two devices, with ticks and acknowledgements.</summary>
public sealed class AlertEnginePropertyTests
{
    [ThreadStatic]
    private static Dictionary<string, VitalsEvent>? t_lastVitals;

    private static Dictionary<string, VitalsEvent> LastVitals => t_lastVitals ??= [];

    [Fact]
    public void Process_RandomSequences_LifecycleInvariantsHold()
    {
        Prop.ForAll(
            Gen.Choose(0, int.MaxValue).ToArbitrary(),
            Gen.Choose(50, 600).ToArbitrary(),
            (seed, steps) =>
            {
                var rng = new Random(seed);
                LastVitals.Clear();
                var engine = new AlertEngine(rng.Next(2) == 0 ? AlertProfile.CreateAdult() : AlertProfile.CreatePaediatric());
                var output = new List<AlertEvent>();
                var acks = new List<(string Id, int At)>();
                string[] devices = ["a", "b"];
                double[] time = [0, 0];
                for (int i = 0; i < steps; i++)
                {
                    int d = rng.Next(2);
                    time[d] += rng.Next(4) * 0.5;
                    Feed(engine, devices[d], time[d], rng, output, acks);
                }

                Raised += output.Count(e => e.State == AlertState.Raised && e.Category == AlertCategory.Physiological);
                return Check(output) && acks.All(a => !output.Skip(a.At).Any(e => e.AlertId == a.Id && e.State == AlertState.Updated));
            }).QuickCheckThrowOnFailure();

        // The property must exercise physiological episodes, not only technical ones.
        Assert.True(Raised > 0, "Random sequences raised no physiological alert.");
    }

    private int Raised { get; set; }

    private static void Feed(AlertEngine engine, string device, double t, Random rng, List<AlertEvent> output, List<(string Id, int At)> acks)
    {
        switch (rng.Next(10))
        {
            case < 5:
                // Values persist for a while (sticky), so conditions hold long enough to raise and clear.
                VitalsEvent? last = LastVitals.TryGetValue(device, out VitalsEvent? v) ? v : null;
                double? hr = last is not null && rng.Next(8) > 0 ? last.HeartRateBpm : (rng.Next(6) == 0 ? null : 30 + (rng.NextDouble() * 170));
                double quality = last is not null && rng.Next(8) > 0 ? last.SignalQuality : rng.NextDouble();
                int beats = last is not null && rng.Next(8) > 0 ? last.BeatsInWindow : rng.Next(4);
                var vitals = new VitalsEvent(device, t, hr, hr is null ? null : rng.NextDouble() * 0.5, quality, beats);
                LastVitals[device] = vitals;
                engine.Process(vitals, output);
                break;
            case < 7:
                var probs = new Dictionary<string, double>();
                foreach (string name in new[] { "normal", "abnormal", "murmur", "extrasystole", "artifact" })
                {
                    if (rng.Next(3) > 0)
                    {
                        probs[name] = rng.NextDouble();
                    }
                }

                engine.Process(new ClassificationEvent(device, t, probs, "m"), output);
                break;
            case 7:
                engine.Process(new DeviceStatusEvent(device, t, (DeviceStatus)rng.Next(4), null), output);
                break;
            case 8:
                engine.Tick(device, t + (rng.Next(20)), output);
                break;
            default:
                if (output.Count > 0)
                {
                    string id = output[rng.Next(output.Count)].AlertId;
                    if (engine.Acknowledge(id))
                    {
                        acks.Add((id, output.Count));
                    }
                }

                break;
        }
    }

    private static bool Check(List<AlertEvent> output)
    {
        var lifecycles = new Dictionary<string, List<AlertEvent>>();
        var active = new HashSet<(string, AlertType)>();
        foreach (AlertEvent e in output)
        {
            if (!lifecycles.TryGetValue(e.AlertId, out List<AlertEvent>? steps))
            {
                lifecycles[e.AlertId] = steps = [];
            }

            steps.Add(e);
            switch (e.State)
            {
                case AlertState.Raised:
                    // Never two active alerts of one type on one device.
                    if (!active.Add((e.DeviceId, e.Type)))
                    {
                        return false;
                    }

                    break;
                case AlertState.Cleared:
                    if (!active.Remove((e.DeviceId, e.Type)))
                    {
                        return false;
                    }

                    break;
                default:
                    if (!active.Contains((e.DeviceId, e.Type)))
                    {
                        return false;
                    }

                    break;
            }
        }

        foreach (List<AlertEvent> steps in lifecycles.Values)
        {
            bool firstRaised = steps[0].State == AlertState.Raised && steps.Count(s => s.State == AlertState.Raised) == 1;
            int clearedCount = steps.Count(s => s.State == AlertState.Cleared);
            bool clearedLast = clearedCount == 0 || (clearedCount == 1 && steps[^1].State == AlertState.Cleared);
            bool sameEpisode = steps.All(s => s.DeviceId == steps[0].DeviceId && s.Type == steps[0].Type
                && s.OnsetSeconds == steps[0].OnsetSeconds && s.RaisedSeconds == steps[0].RaisedSeconds);
            bool onsetBeforeRaise = steps[0].OnsetSeconds <= steps[0].RaisedSeconds;
            if (!(firstRaised && clearedLast && sameEpisode && onsetBeforeRaise))
            {
                return false;
            }
        }

        return true;
    }
}
