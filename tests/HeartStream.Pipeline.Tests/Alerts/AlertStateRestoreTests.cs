using System.Text;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Mqtt.Service;

namespace HeartStream.Pipeline.Tests.Alerts;

/// <summary>Alert state across a restart: snapshot, restore, the retained payload (synthetic vitals, no recording).</summary>
public sealed class AlertStateRestoreTests
{
    [Fact]
    public void Restore_ActiveTachycardia_NotRaisedAgainThenClearsUnderItsOldIdAndTheNextEpisodeGetsANewId()
    {
        var before = new AlertEngine(AlertProfile.CreateAdult());
        var output = new List<AlertEvent>();
        Feed(before, "d", 0, 20, 140, output);
        AlertEvent raised = Assert.Single(output, a => a.State == AlertState.Raised);
        AlertStateSnapshot snapshot = before.Snapshot("d")!;
        Assert.Equal(1, snapshot.Sequences["tachycardia"]);
        Assert.Equal(raised.AlertId, Assert.Single(snapshot.Active).AlertId);

        // The restarted engine: the stream time starts again at 0.
        var after = new AlertEngine(AlertProfile.CreateAdult());
        after.Restore(snapshot);
        output.Clear();
        Feed(after, "d", 0, 30, 140, output);
        Assert.DoesNotContain(output, a => a.State == AlertState.Raised);
        Assert.True(after.IsActive("d", AlertType.Tachycardia));

        Feed(after, "d", 31, 60, 80, output);
        AlertEvent cleared = Assert.Single(output, a => a.State == AlertState.Cleared);
        Assert.Equal(raised.AlertId, cleared.AlertId);

        Feed(after, "d", 61, 90, 140, output);
        AlertEvent next = Assert.Single(output, a => a.State == AlertState.Raised);
        Assert.NotEqual(raised.AlertId, next.AlertId);
        Assert.EndsWith("-2", next.AlertId, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_AfterTheDevicesFirstEvents_MergesAndAcknowledgementSurvives()
    {
        var before = new AlertEngine(AlertProfile.CreateAdult());
        var output = new List<AlertEvent>();
        Feed(before, "d", 0, 20, 140, output);
        Assert.True(before.Acknowledge(output.Single(a => a.State == AlertState.Raised).AlertId));

        var after = new AlertEngine(AlertProfile.CreateAdult());
        output.Clear();
        Feed(after, "d", 0, 2, 140, output); // queued audio arrived before the restore
        after.Restore(before.Snapshot("d")!);
        Feed(after, "d", 3, 40, 140, output);

        Assert.DoesNotContain(output, a => a.State is AlertState.Raised or AlertState.Updated); // acknowledged: no updates
        Assert.True(Assert.Single(after.Snapshot("d")!.Active).Acknowledged);
    }

    [Fact]
    public void Release_ThenTheSameAlertRestoredFromAnotherOwner_ContinuesAndClearsUnderItsId()
    {
        // A shard moves away and back: this engine raised the alert, released the device (not cleared), the other
        // owner went on with it, and its state comes back here.
        var engine = new AlertEngine(AlertProfile.CreateAdult());
        var output = new List<AlertEvent>();
        Feed(engine, "d", 0, 20, 140, output);
        AlertEvent raised = Assert.Single(output, a => a.State == AlertState.Raised);
        AlertStateSnapshot handedOver = engine.Snapshot("d")!;
        Assert.True(engine.Release("d"));
        Assert.False(engine.IsActive("d", AlertType.Tachycardia));

        engine.Restore(handedOver);
        output.Clear();
        Feed(engine, "d", 0, 5, 140, output);
        Assert.True(engine.IsActive("d", AlertType.Tachycardia));
        Assert.DoesNotContain(output, a => a.State == AlertState.Raised);
        engine.RemoveDevice("d", 6, output);
        AlertEvent cleared = Assert.Single(output, a => a.State == AlertState.Cleared);
        Assert.Equal(raised.AlertId, cleared.AlertId);
    }

    [Fact]
    public void RemoveDevice_KeepsTheEpisodeCounters()
    {
        var engine = new AlertEngine(AlertProfile.CreateAdult());
        var output = new List<AlertEvent>();
        Feed(engine, "d", 0, 20, 140, output);
        engine.RemoveDevice("d", 21, output);
        output.Clear();
        Feed(engine, "d", 0, 20, 140, output);
        Assert.EndsWith("tachycardia-2", Assert.Single(output, a => a.State == AlertState.Raised).AlertId, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpireRestore_DeviceNeverBack_ClearsUnderTheOldIdWithTheReasonAndKeepsTheCounters()
    {
        var engine = new AlertEngine(AlertProfile.CreateAdult());
        var snapshot = new AlertStateSnapshot("gone", new Dictionary<string, int> { ["tachycardia"] = 4 }, [new ActiveAlertSnapshot("tachycardia", "gone-tachycardia-4", 10, 20, false)]);
        engine.Restore(snapshot);
        var output = new List<AlertEvent>();

        Assert.Equal(1, engine.ExpireRestore("gone", "did not come back", output));
        AlertEvent cleared = Assert.Single(output);
        Assert.Equal(("gone-tachycardia-4", AlertState.Cleared), (cleared.AlertId, cleared.State));
        Assert.Contains("did not come back", cleared.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Snapshot("gone")!.Active);
        Assert.Equal(0, engine.ExpireRestore("gone", "again", output));

        output.Clear();
        Feed(engine, "gone", 0, 20, 140, output);
        Assert.EndsWith("tachycardia-5", Assert.Single(output, a => a.State == AlertState.Raised).AlertId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stage_RestoredDeviceSilentPastTheGrace_ItsAlertClearsAndItsStateIsWritten()
    {
        var states = new List<AlertStateSnapshot>();
        var alerts = new List<AlertEvent>();
        await using var stage = new AlertStage(new AlertEngine(AlertProfile.CreateAdult()), [], tickInterval: TimeSpan.FromMilliseconds(50)) { RestoreGrace = TimeSpan.FromMilliseconds(200) };
        stage.AlertEmitted += (_, a) => { lock (alerts) { alerts.Add(a); } };
        stage.StateChanged += s => { lock (states) { states.Add(s); } };
        stage.Restore([new AlertStateSnapshot("gone", new Dictionary<string, int> { ["poor-signal"] = 1 }, [new ActiveAlertSnapshot("poor-signal", "gone-poor-signal-1", 1, 11, true)])]);

        for (int i = 0; i < 100 && states.Count == 0; i++)
        {
            await Task.Delay(50);
        }

        lock (alerts)
        {
            AlertEvent cleared = Assert.Single(alerts);
            Assert.Equal("gone-poor-signal-1", cleared.AlertId);
            Assert.True(cleared.Acknowledged);
        }

        lock (states)
        {
            AlertStateSnapshot state = Assert.Single(states);
            Assert.Empty(state.Active);
            Assert.Equal(1, state.Sequences["poor-signal"]);
        }
    }

    [Fact]
    public void Payload_RoundTripsAndBadOnesAreRefusedWithAReason()
    {
        var snapshot = new AlertStateSnapshot("bed-1", new Dictionary<string, int> { ["tachycardia"] = 3 }, [new ActiveAlertSnapshot("tachycardia", "bed-1-tachycardia-3", 12.5, 22.5, true)]);
        string json = AlertStateStore.ToJson(snapshot);
        Assert.Contains("\"alert_id\":\"bed-1-tachycardia-3\"", json, StringComparison.Ordinal);

        Assert.True(AlertStateStore.TryParse(Encoding.UTF8.GetBytes(json), "bed-1", out AlertStateSnapshot? parsed, out _));
        Assert.Equal(snapshot.Active, parsed!.Active);
        Assert.Equal(3, parsed.Sequences["tachycardia"]);

        Assert.False(AlertStateStore.TryParse(Encoding.UTF8.GetBytes(json), "bed-2", out _, out string? other));
        Assert.Contains("names device 'bed-1'", other, StringComparison.Ordinal);
        Assert.False(AlertStateStore.TryParse("{not json"u8, "bed-1", out _, out string? broken));
        Assert.StartsWith("not valid JSON", broken, StringComparison.Ordinal);
        Assert.False(AlertStateStore.TryParse("{\"device_id\":\"bed-1\"}"u8, "bed-1", out _, out string? missing));
        Assert.Contains("required", missing, StringComparison.Ordinal);
    }

    private static void Feed(AlertEngine engine, string device, int from, int to, double bpm, List<AlertEvent> output)
    {
        for (int t = from; t <= to; t++)
        {
            engine.Process(new VitalsEvent(device, t, bpm, 0.05, 0.9, 5), output);
        }
    }
}
