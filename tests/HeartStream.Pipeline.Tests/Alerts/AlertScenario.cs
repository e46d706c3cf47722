using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;

namespace HeartStream.Pipeline.Tests.Alerts;

/// <summary>Feeds an engine one device's events and records every alert event with the input time that caused it.</summary>
internal sealed class AlertScenario
{
    public const string Device = "dev1";

    public AlertScenario(AlertProfile? profile = null)
    {
        Engine = new AlertEngine(profile ?? AlertProfile.CreateAdult());
    }

    public AlertEngine Engine { get; }

    public List<AlertEvent> Output { get; } = [];

    public static VitalsEvent Vitals(double t, double? hr, double quality = 0.9, double? irregularity = 0.05, int beats = 5) =>
        new(Device, t, hr, hr is null ? null : irregularity, quality, beats);

    public static ClassificationEvent Classes(double t, params (string Name, double P)[] probabilities) =>
        new(Device, t, probabilities.ToDictionary(p => p.Name, p => p.P), "test");

    public AlertScenario Feed(PipelineEvent e)
    {
        Engine.Process(e, Output);
        return this;
    }

    /// <summary>Vitals once per second for t in [from, to) with the given rate.</summary>
    public AlertScenario VitalsEverySecond(int from, int to, Func<int, double?> hr, double quality = 0.9, double? irregularity = 0.05, int beats = 5)
    {
        for (int t = from; t < to; t++)
        {
            Feed(Vitals(t, hr(t), quality, irregularity, beats));
        }

        return this;
    }

    public IReadOnlyList<AlertEvent> Of(AlertType type) => Output.Where(a => a.Type == type).ToList();

    public IReadOnlyList<AlertEvent> Of(AlertType type, AlertState state) => Output.Where(a => a.Type == type && a.State == state).ToList();
}
