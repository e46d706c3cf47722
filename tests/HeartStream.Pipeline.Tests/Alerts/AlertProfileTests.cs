using HeartStream.Pipeline.Alerts;

namespace HeartStream.Pipeline.Tests.Alerts;

public sealed class AlertProfileTests
{
    [Fact]
    public void Validate_BuiltInProfiles_Valid()
    {
        Assert.Empty(AlertProfile.CreateAdult().Validate());
        Assert.Empty(AlertProfile.CreatePaediatric().Validate());
        Assert.Empty(AlertProfile.CreateNeonate().Validate());
        Assert.Empty(AlertProfile.CreateInfant().Validate());
        Assert.Empty(AlertProfile.CreateChild().Validate());
        Assert.Empty(AlertProfile.CreateAdolescent().Validate());
    }

    [Fact]
    public void Validate_ClearLimitNotBelowRaiseLimit_ErrorNamesBothSettings()
    {
        AlertProfile p = AlertProfile.CreateAdult();
        p.TachycardiaClearBpm = 120;
        string error = Assert.Single(p.Validate());
        Assert.Contains(nameof(AlertProfile.TachycardiaClearBpm), error, StringComparison.Ordinal);
        Assert.Contains(nameof(AlertProfile.TachycardiaRaiseBpm), error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OutOfRangeValues_OneErrorEach()
    {
        AlertProfile p = AlertProfile.CreateAdult();
        p.MurmurProbabilityRaise = 1.5;
        p.RateOnsetDelaySeconds = -1;
        p.SignalLostSilenceSeconds = double.NaN;
        p.NoHeartSoundsMinRelativeLevel = 1.5;
        p.NoHeartSoundsFaintS1Train = 0;
        IReadOnlyList<string> errors = p.Validate();
        Assert.Contains(errors, e => e.StartsWith(nameof(AlertProfile.NoHeartSoundsMinRelativeLevel), StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith(nameof(AlertProfile.NoHeartSoundsFaintS1Train), StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith(nameof(AlertProfile.MurmurProbabilityRaise), StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith(nameof(AlertProfile.RateOnsetDelaySeconds), StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith(nameof(AlertProfile.SignalLostSilenceSeconds), StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_InvalidProfile_ThrowsWithProfileName()
    {
        AlertProfile p = AlertProfile.CreateAdult();
        p.Name = "icu";
        p.BradycardiaClearBpm = 40;
        var ex = Assert.Throws<ArgumentException>(() => new AlertEngine(p));
        Assert.Contains("'icu'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_UnknownDeviceProfile_ValidationFails()
    {
        var options = new AlertOptions();
        options.DeviceProfiles["d1"] = "neonatal";
        Assert.Contains(options.Validate(), e => e.Contains("neonatal", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new AlertEngine(options));
    }

    [Fact]
    public void Options_CustomProfile_ResolvedForItsDevices()
    {
        var options = new AlertOptions();
        AlertProfile custom = AlertProfile.CreateAdult();
        custom.Name = "athlete";
        custom.BradycardiaRaiseBpm = 40;
        custom.BradycardiaClearBpm = 45;
        options.Profiles["athlete"] = custom;
        options.DeviceProfiles["runner"] = "athlete";
        Assert.Empty(options.Validate());
        Assert.Equal(40, options.Resolve("runner").BradycardiaRaiseBpm);
        Assert.Equal(50, options.Resolve("other").BradycardiaRaiseBpm);
    }

    [Fact]
    public void Engine_ProfileMutatedAfterConstruction_Unaffected()
    {
        AlertProfile p = AlertProfile.CreateAdult();
        var engine = new AlertEngine(p);
        p.TachycardiaRaiseBpm = 60;
        var output = new List<AlertEvent>();
        for (int t = 0; t < 30; t++)
        {
            engine.Process(new Events.VitalsEvent("d", t, 100, 0.05, 0.9, 5), output);
        }

        Assert.Empty(output);
    }
}
