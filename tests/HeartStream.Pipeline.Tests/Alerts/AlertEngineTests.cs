using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;

namespace HeartStream.Pipeline.Tests.Alerts;

public sealed class AlertEngineTests
{
    [Fact]
    public void Process_TachycardiaHeldForOnsetDelay_RaisedExactlyAtDelayNotBefore()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 5, _ => 80).VitalsEverySecond(5, 15, _ => 130);
        Assert.Empty(s.Of(AlertType.Tachycardia));

        s.VitalsEverySecond(15, 16, _ => 130);
        AlertEvent raised = Assert.Single(s.Of(AlertType.Tachycardia));
        Assert.Equal(AlertState.Raised, raised.State);
        Assert.Equal(5, raised.OnsetSeconds);
        Assert.Equal(15, raised.RaisedSeconds);
        Assert.Equal(AlertPriority.Medium, raised.Priority);
        Assert.Equal(AlertCategory.Physiological, raised.Category);
        Assert.Equal(130, raised.Evidence.HeartRateBpm);
        Assert.Contains("130 bpm", raised.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Process_TachycardiaInterruptedBeforeDelay_OnsetTimerRestarts()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 9, _ => 130).VitalsEverySecond(9, 10, _ => 100).VitalsEverySecond(10, 20, _ => 130);
        Assert.Empty(s.Of(AlertType.Tachycardia));
        s.VitalsEverySecond(20, 21, _ => 130);
        Assert.Equal(20, Assert.Single(s.Of(AlertType.Tachycardia)).RaisedSeconds);
    }

    [Fact]
    public void Process_TachycardiaBetweenClearAndRaiseLimits_StaysActiveThenClearsAfterClearDelay()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 11, _ => 130).VitalsEverySecond(11, 60, _ => 117);
        Assert.Empty(s.Of(AlertType.Tachycardia, AlertState.Cleared));

        s.VitalsEverySecond(60, 70, _ => 110);
        Assert.Empty(s.Of(AlertType.Tachycardia, AlertState.Cleared));
        s.VitalsEverySecond(70, 71, _ => 110);
        AlertEvent cleared = Assert.Single(s.Of(AlertType.Tachycardia, AlertState.Cleared));
        Assert.Equal(70, cleared.ClearedSeconds);
        Assert.False(s.Engine.IsActive(AlertScenario.Device, AlertType.Tachycardia));
    }

    [Fact]
    public void Process_RateOscillatingAroundRaiseLimit_NeverRaises()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 300, t => t % 2 == 0 ? 119 : 122);
        Assert.Empty(s.Of(AlertType.Tachycardia));
    }

    [Fact]
    public void Process_RateOscillatingAroundClearLimit_DoesNotFlap()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 11, _ => 130).VitalsEverySecond(11, 300, t => t % 3 == 0 ? 116 : 113);
        IReadOnlyList<AlertEvent> events = s.Of(AlertType.Tachycardia);
        Assert.Single(events, e => e.State == AlertState.Raised);
        Assert.DoesNotContain(events, e => e.State == AlertState.Cleared);
    }

    [Fact]
    public void Process_RaiseUpdateClear_SameIdThenNewEpisodeGetsNewId()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 11, _ => 130)     // raised at 10
         .VitalsEverySecond(11, 20, _ => 140)    // updated at 15 (>= 5 bpm, >= 5 s since raise)
         .VitalsEverySecond(20, 31, _ => 90)     // cleared at 30
         .VitalsEverySecond(31, 42, _ => 135);   // raised again at 41
        IReadOnlyList<AlertEvent> e = s.Of(AlertType.Tachycardia);
        Assert.Equal([AlertState.Raised, AlertState.Updated, AlertState.Cleared, AlertState.Raised], e.Select(x => x.State));
        Assert.Equal(15, e[1].StreamTimeSeconds);
        Assert.Equal("dev1-tachycardia-1", e[0].AlertId);
        Assert.All(e.Take(3), x => Assert.Equal(e[0].AlertId, x.AlertId));
        Assert.Equal("dev1-tachycardia-2", e[3].AlertId);
    }

    [Fact]
    public void Process_SmallRateChanges_NoUpdate()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 100, t => t < 11 ? 130 : 130 + (t % 5));
        Assert.Empty(s.Of(AlertType.Tachycardia, AlertState.Updated));
    }

    [Fact]
    public void Process_UpdatesRateLimited_AtMostOnePerMinInterval()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 60, t => t < 11 ? 130 : (t % 2 == 0 ? 130 : 150));
        IReadOnlyList<AlertEvent> updates = s.Of(AlertType.Tachycardia, AlertState.Updated);
        Assert.NotEmpty(updates);
        for (int i = 1; i < updates.Count; i++)
        {
            Assert.True(updates[i].StreamTimeSeconds - updates[i - 1].StreamTimeSeconds >= 5);
        }
    }

    [Fact]
    public void Acknowledge_ActiveAlert_SilencesUpdatesButStillClears()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 11, _ => 130);
        string id = Assert.Single(s.Output).AlertId;
        Assert.True(s.Engine.Acknowledge(id));

        s.VitalsEverySecond(11, 40, t => 140 + (t % 2 * 20)).VitalsEverySecond(40, 51, _ => 80);
        Assert.Empty(s.Of(AlertType.Tachycardia, AlertState.Updated));
        AlertEvent cleared = Assert.Single(s.Of(AlertType.Tachycardia, AlertState.Cleared));
        Assert.Equal(id, cleared.AlertId);
        Assert.True(cleared.Acknowledged);
        Assert.False(s.Engine.Acknowledge(id));
    }

    [Fact]
    public void Acknowledge_UnknownId_ReturnsFalse()
    {
        Assert.False(new AlertEngine(AlertProfile.CreateAdult()).Acknowledge("nope"));
    }

    [Fact]
    public void Acknowledge_NewEpisodeAfterAcknowledgedOne_IsNotAcknowledged()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 11, _ => 130);
        s.Engine.Acknowledge(s.Output[0].AlertId);
        s.VitalsEverySecond(11, 22, _ => 80).VitalsEverySecond(22, 33, _ => 130);
        AlertEvent second = s.Of(AlertType.Tachycardia, AlertState.Raised)[1];
        Assert.False(second.Acknowledged);
    }

    [Fact]
    public void Process_PoorSignalQuality_SuppressesRateAlertsButRaisesPoorSignal()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 60, _ => 150, quality: 0.2);
        Assert.Empty(s.Of(AlertType.Tachycardia));
        AlertEvent poor = Assert.Single(s.Of(AlertType.PoorSignal));
        Assert.Equal(AlertPriority.Low, poor.Priority);
        Assert.Equal(AlertCategory.Technical, poor.Category);
        Assert.Equal(10, poor.RaisedSeconds);
    }

    [Fact]
    public void Process_PoorSignalWhileActive_NeitherClearsNorUpdates()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 11, _ => 130).VitalsEverySecond(11, 60, _ => 60, quality: 0.1);
        Assert.Single(s.Of(AlertType.Tachycardia));
        Assert.True(s.Engine.IsActive(AlertScenario.Device, AlertType.Tachycardia));
    }

    [Fact]
    public void Process_UnknownHeartRate_NeitherRaisesNorClears()
    {
        var s = new AlertScenario();
        // Pending onset interrupted by unknown data: no raise although every known value is tachycardic.
        s.VitalsEverySecond(0, 60, t => t % 5 == 4 ? null : 130);
        Assert.Empty(s.Of(AlertType.Tachycardia));

        var active = new AlertScenario();
        active.VitalsEverySecond(0, 11, _ => 130).VitalsEverySecond(11, 100, _ => null, beats: 2);
        Assert.Single(active.Of(AlertType.Tachycardia));
        Assert.True(active.Engine.IsActive(AlertScenario.Device, AlertType.Tachycardia));
    }

    [Fact]
    public void Process_BradycardiaHeld_RaisedAfterDelayAndClearsAboveClearLimit()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 11, _ => 49).VitalsEverySecond(11, 40, _ => 53).VitalsEverySecond(40, 51, _ => 60);
        IReadOnlyList<AlertEvent> e = s.Of(AlertType.Bradycardia);
        Assert.Equal([AlertState.Raised, AlertState.Cleared], e.Select(x => x.State));
        Assert.Equal(10, e[0].RaisedSeconds);
        Assert.Equal(50, e[1].ClearedSeconds);
    }

    [Theory]
    [InlineData("adult", 140, true, 65, false)]
    [InlineData("paediatric", 140, false, 65, true)]
    [InlineData("adult", 125, true, 45, true)]
    [InlineData("paediatric", 165, true, 45, true)]
    // Age groups (synthetic vitals): a 3-month infant at 150 bpm or a 10-year-old at 65 bpm is normal; an adolescent
    // at 150 bpm or an infant at 85 bpm is not (limits from Fleming et al. 2011 centiles, docs/ALERTS.md).
    [InlineData("infant", 150, false, 85, true)]
    [InlineData("neonate", 175, false, 85, true)]
    [InlineData("child", 150, false, 65, false)]
    [InlineData("child", 165, true, 55, true)]
    [InlineData("adolescent", 150, true, 55, false)]
    public void Process_ProfileThresholds_AppliedPerProfile(string profile, double fastRate, bool tachy, double slowRate, bool brady)
    {
        AlertProfile p = new AlertOptions { DefaultProfile = profile }.Resolve("any");
        Assert.Equal(profile, p.Name);
        var fast = new AlertScenario(p);
        fast.VitalsEverySecond(0, 30, _ => fastRate);
        Assert.Equal(tachy, fast.Of(AlertType.Tachycardia).Count > 0);
        var slow = new AlertScenario(p);
        slow.VitalsEverySecond(0, 30, _ => slowRate);
        Assert.Equal(brady, slow.Of(AlertType.Bradycardia).Count > 0);
    }

    [Fact]
    public void Process_DevicesWithDifferentProfiles_UseTheirOwn()
    {
        var options = new AlertOptions();
        options.DeviceProfiles["child"] = "paediatric";
        var engine = new AlertEngine(options);
        var output = new List<AlertEvent>();
        for (int t = 0; t < 30; t++)
        {
            engine.Process(new VitalsEvent("adult1", t, 140, 0.05, 0.9, 5), output);
            engine.Process(new VitalsEvent("child", t, 140, 0.05, 0.9, 5), output);
        }

        Assert.Equal("adult1", Assert.Single(output).DeviceId);
    }

    [Fact]
    public void Process_NoBeatsAtUsableSignal_NoHeartSoundsHighPriorityAfterDelay()
    {
        // Synthetic vitals only (no beat events): the condition is the empty vitals window; 1 s onset delay.
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 10, _ => 70).VitalsEverySecond(10, 11, _ => null, quality: 0.6, beats: 0);
        Assert.Empty(s.Of(AlertType.NoHeartSounds));
        s.VitalsEverySecond(11, 16, _ => null, quality: 0.6, beats: 0);
        AlertEvent raised = Assert.Single(s.Of(AlertType.NoHeartSounds));
        Assert.Equal(AlertPriority.High, raised.Priority);
        Assert.Equal(AlertCategory.Physiological, raised.Category);
        Assert.Equal(10, raised.OnsetSeconds);

        s.VitalsEverySecond(16, 19, _ => null, beats: 2);
        Assert.Empty(s.Of(AlertType.NoHeartSounds, AlertState.Cleared));
        s.VitalsEverySecond(19, 20, _ => null, beats: 2);
        Assert.Equal(19, Assert.Single(s.Of(AlertType.NoHeartSounds, AlertState.Cleared)).ClearedSeconds);
    }

    [Fact]
    public void Process_NoBeatsAtUnusableSignal_NoNoHeartSounds()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 60, _ => null, quality: 0.1, beats: 0);
        Assert.Empty(s.Of(AlertType.NoHeartSounds));
    }

    [Fact]
    public void Tick_DeviceGoesQuiet_SignalLostRaisedAfterSilencePlusOnsetAndClearedWhenDataReturns()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 11, _ => 70);            // last data at 10
        for (int t = 11; t < 25; t++)
        {
            s.Engine.Tick(AlertScenario.Device, t, s.Output);
        }

        Assert.Empty(s.Of(AlertType.DeviceSignalLost));   // silence counts from 15, onset delay 10 → 25
        s.Engine.Tick(AlertScenario.Device, 25, s.Output);
        AlertEvent raised = Assert.Single(s.Of(AlertType.DeviceSignalLost));
        Assert.Equal(AlertPriority.Medium, raised.Priority);
        Assert.Equal(AlertCategory.Technical, raised.Category);
        Assert.Equal(15, raised.OnsetSeconds);

        s.VitalsEverySecond(30, 32, _ => 70);
        Assert.Empty(s.Of(AlertType.DeviceSignalLost, AlertState.Cleared));
        s.VitalsEverySecond(32, 33, _ => 70);
        Assert.Equal(32, Assert.Single(s.Of(AlertType.DeviceSignalLost, AlertState.Cleared)).ClearedSeconds);
    }

    [Fact]
    public void Tick_SparseTicks_OnsetCountsFromSilenceLimit()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 1, _ => 70);
        s.Engine.Tick(AlertScenario.Device, 100, s.Output);
        AlertEvent raised = Assert.Single(s.Of(AlertType.DeviceSignalLost));
        Assert.Equal(5, raised.OnsetSeconds);
    }

    [Fact]
    public void Tick_UnknownDevice_Ignored()
    {
        var engine = new AlertEngine(AlertProfile.CreateAdult());
        var output = new List<AlertEvent>();
        Assert.Equal(0, engine.Tick("ghost", 1000, output));
    }

    [Theory]
    [InlineData(DeviceStatus.Offline)]
    [InlineData(DeviceStatus.Error)]
    [InlineData(DeviceStatus.NoSignal)]
    public void Process_DeviceStatusNotOnline_SignalLostAfterOnsetDelay(DeviceStatus status)
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 3, _ => 70).Feed(new DeviceStatusEvent(AlertScenario.Device, 3, status, "test"));
        for (int t = 4; t < 13; t++)
        {
            s.Engine.Tick(AlertScenario.Device, t, s.Output);
        }

        Assert.Empty(s.Of(AlertType.DeviceSignalLost));
        s.Engine.Tick(AlertScenario.Device, 13, s.Output);
        Assert.Equal(3, Assert.Single(s.Of(AlertType.DeviceSignalLost)).OnsetSeconds);
    }

    [Theory]
    [InlineData("murmur", AlertType.SuspectedMurmur)]
    [InlineData("abnormal", AlertType.AbnormalHeartSound)]
    public void Process_HighClassProbability_RaisedAfterSoundOnsetDelayAndClearsWithHysteresis(string name, AlertType type)
    {
        var s = new AlertScenario();
        for (int t = 0; t <= 60; t++)
        {
            s.Feed(AlertScenario.Vitals(t, 70));
            if (t % 2 == 0)
            {
                // 0.9 until 20, 0.7 (between clear 0.6 and raise 0.8) until 40, then 0.3.
                double p = t < 20 ? 0.9 : t < 40 ? 0.7 : 0.3;
                s.Feed(AlertScenario.Classes(t, (name, p), ("normal", 1 - p)));
            }
        }

        IReadOnlyList<AlertEvent> e = s.Of(type);
        // Updated at 20 (probability moved 0.2); cleared at the first classification 15 s after 40.
        Assert.Equal([AlertState.Raised, AlertState.Updated, AlertState.Cleared], e.Select(x => x.State));
        Assert.Equal(10, e[0].RaisedSeconds);
        Assert.Equal(20, e[1].StreamTimeSeconds);
        Assert.Equal(name, e[0].Evidence.ProbabilityClass);
        Assert.Equal(0.9, e[0].Evidence.Probability);
        Assert.Equal(AlertPriority.Low, e[0].Priority);
        Assert.Equal(56, e[2].ClearedSeconds);
    }

    [Fact]
    public void Process_TwoModelsInterleavedOnlyOneCarriesMurmur_RaisesSuspectedMurmur()
    {
        // Live, each model reports its own classes every 5 s: the abnormal model's events carry no "murmur" and must not
        // reset the murmur model's probability (which would restart the onset delay for ever).
        var s = new AlertScenario();
        for (int t = 0; t <= 40; t++)
        {
            s.Feed(AlertScenario.Vitals(t, 70));
            if (t % 5 == 0)
            {
                s.Feed(AlertScenario.Classes(t, ("murmur", 0.9), ("Absent", 0.1)));
                s.Feed(AlertScenario.Classes(t + 0.5, ("abnormal", 0.2), ("normal", 0.8)));
            }
        }

        AlertEvent raised = Assert.Single(s.Of(AlertType.SuspectedMurmur));
        Assert.Equal(AlertState.Raised, raised.State);
        Assert.Equal(0.9, raised.Evidence.Probability);
        Assert.Empty(s.Of(AlertType.AbnormalHeartSound));
    }

    [Fact]
    public void Process_ClassificationWithoutThatClass_DoesNotRaise()
    {
        var s = new AlertScenario();
        for (int t = 0; t < 60; t++)
        {
            s.Feed(AlertScenario.Vitals(t, 70)).Feed(AlertScenario.Classes(t, ("normal", 0.1)));
        }

        Assert.Empty(s.Output);
    }

    [Fact]
    public void Process_IrregularIntervals_IrregularRhythmAfterOnsetDelay()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 15, _ => 80, irregularity: 0.3);
        Assert.Empty(s.Of(AlertType.IrregularRhythm));
        s.VitalsEverySecond(15, 16, _ => 80, irregularity: 0.3);
        Assert.Equal(AlertPriority.Low, Assert.Single(s.Of(AlertType.IrregularRhythm)).Priority);
        s.VitalsEverySecond(16, 60, _ => 80, irregularity: 0.17);
        Assert.Empty(s.Of(AlertType.IrregularRhythm, AlertState.Cleared));
        s.VitalsEverySecond(60, 76, _ => 80, irregularity: 0.05);
        Assert.Equal(75, Assert.Single(s.Of(AlertType.IrregularRhythm, AlertState.Cleared)).ClearedSeconds);
    }

    [Fact]
    public void Process_HighExtrasystoleProbability_IrregularRhythmRaised()
    {
        var s = new AlertScenario();
        for (int t = 0; t < 20; t++)
        {
            s.Feed(AlertScenario.Vitals(t, 80)).Feed(AlertScenario.Classes(t, ("extrasystole", 0.85)));
        }

        AlertEvent raised = Assert.Single(s.Of(AlertType.IrregularRhythm));
        Assert.Equal(15, raised.RaisedSeconds);
        Assert.Equal("extrasystole", raised.Evidence.ProbabilityClass);
    }

    [Fact]
    public void Process_HighArtifactProbability_PoorSignalRaised()
    {
        var s = new AlertScenario();
        for (int t = 0; t < 11; t++)
        {
            s.Feed(AlertScenario.Vitals(t, 80)).Feed(AlertScenario.Classes(t, ("artifact", 0.9)));
        }

        Assert.Equal(10, Assert.Single(s.Of(AlertType.PoorSignal)).RaisedSeconds);
    }

    [Fact]
    public void RemoveDevice_ActiveAlerts_AllClearedWithSameIds()
    {
        var s = new AlertScenario();
        s.VitalsEverySecond(0, 11, _ => 130);
        string id = s.Output[0].AlertId;
        s.Engine.RemoveDevice(AlertScenario.Device, 12, s.Output);
        AlertEvent cleared = s.Output[^1];
        Assert.Equal((id, AlertState.Cleared), (cleared.AlertId, cleared.State));
        Assert.Equal(0, s.Engine.ActiveCount);
    }

    [Fact]
    public void Process_AlertIdPrefix_PrependedToIds()
    {
        var engine = new AlertEngine(AlertProfile.CreateAdult(), "run7-");
        var output = new List<AlertEvent>();
        for (int t = 0; t < 11; t++)
        {
            engine.Process(new VitalsEvent("d", t, 130, 0.05, 0.9, 5), output);
        }

        Assert.Equal("run7-d-tachycardia-1", Assert.Single(output).AlertId);
    }

    [Fact]
    public void Process_NonFiniteStreamTime_ThrowsNamingDevice()
    {
        var engine = new AlertEngine(AlertProfile.CreateAdult());
        var ex = Assert.Throws<ArgumentException>(() => engine.Process(new VitalsEvent("d9", double.NaN, 70, 0, 1, 5), new List<AlertEvent>()));
        Assert.Contains("d9", ex.Message, StringComparison.Ordinal);
    }
}
