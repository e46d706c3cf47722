using System.Buffers;
using System.Text.Json;
using HeartStream.Pipeline.Alerts;
using HeartStream.Pipeline.Events;
using HeartStream.Pipeline.Segmentation;
using HeartStream.Cli.Tests.Commands;
using HeartStream.Web;

namespace HeartStream.Cli.Tests.Web;

/// <summary>The web views' options, password hashes and state (what the tiles and the bedside stream carry).</summary>
public sealed class WebViewTests
{
    [Fact]
    public void Password_VerifiesOnlyTheSamePassword_AndEachHashIsSalted()
    {
        string hash = WebPassword.Hash("correct horse battery", 20_000);
        Assert.True(WebPassword.Verify(hash, "correct horse battery"));
        Assert.False(WebPassword.Verify(hash, "correct horse batterY"));
        Assert.NotEqual(hash, WebPassword.Hash("correct horse battery", 20_000));
        Assert.False(WebPassword.IsWellFormed("correct horse battery"));
        Assert.False(WebPassword.Verify("pbkdf2-sha256$100$AAAA$AAAA", "x"));
        Assert.StartsWith("pbkdf2-sha256$600000$", WebPassword.Hash("x"), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_OffLoopbackNeedUsersAndTls_LoopbackNeedsNothing()
    {
        Assert.Empty(new WebOptions().Validate());
        IReadOnlyList<string> open = new WebOptions { BindAddress = "0.0.0.0" }.Validate();
        Assert.Contains(open, e => e.Contains("Web:Users", StringComparison.Ordinal));
        Assert.Contains(open, e => e.Contains("Web:TlsCertFile", StringComparison.Ordinal));
        var user = new WebUser { Name = "nurse", PasswordHash = WebPassword.Hash("correct horse battery", 20_000) };
        Assert.Empty(new WebOptions { BindAddress = "10.0.0.5", Users = [user], RequireTls = false }.Validate());
        Assert.Contains(new WebOptions { Users = [new WebUser { Name = "nurse", PasswordHash = "plain" }] }.Validate(), e => e.Contains("never the password itself", StringComparison.Ordinal));
        Assert.Contains(new WebOptions { BindAddress = "localhost" }.Validate(), e => e.Contains("IP address", StringComparison.Ordinal));
    }

    [Fact]
    public async Task State_TileCarriesVitalsAndActiveAlerts_AckStopsIt_ClearRemovesIt_HistoryKeepsBoth()
    {
        var station = new StationState();
        await station.WriteAsync(new VitalsEvent("bed-1", 5, 112, 0.04, 0.9, 9));
        await station.WriteAsync(new VitalsEvent("bed-2", 5, 70, 0.02, 0.95, 6));
        AlertEvent raised = Alert("bed-1", AlertState.Raised, AlertPriority.Medium);
        await station.WriteAsync(raised);

        JsonElement tiles = Tiles(station, -1, out long version);
        Assert.Equal(2, tiles.GetArrayLength());
        JsonElement bed1 = tiles.EnumerateArray().Single(t => t.GetProperty("id").GetString() == "bed-1");
        Assert.Equal(112, bed1.GetProperty("hr").GetDouble());
        JsonElement alert = Assert.Single(bed1.GetProperty("alerts").EnumerateArray());
        Assert.Equal("medium", alert.GetProperty("priority").GetString());
        Assert.False(alert.GetProperty("acknowledged").GetBoolean());

        Assert.Equal(0, Tiles(station, version, out _).GetArrayLength()); // nothing changed since
        station.MarkAcknowledged(raised.AlertId, "bed-1");
        JsonElement changed = Assert.Single(Tiles(station, version, out long acked).EnumerateArray());
        Assert.True(changed.GetProperty("alerts")[0].GetProperty("acknowledged").GetBoolean());

        await station.WriteAsync(Alert("bed-1", AlertState.Cleared, AlertPriority.Medium));
        Assert.Equal(0, Assert.Single(Tiles(station, acked, out _).EnumerateArray()).GetProperty("alerts").GetArrayLength());
        Assert.Equal(["raised", "cleared"], Bedside(station, "bed-1").GetProperty("history").EnumerateArray().Select(a => a.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task State_BedsideSendsEachWaveformBlockAndBeatOnce_AndKeepsTheLast20Seconds()
    {
        var station = new StationState();
        for (int i = 0; i < 60; i++)
        {
            await station.WriteAsync(new WaveformEvent("bed-1", (i + 1) * 0.5, i * 0.5, 50, new float[25]));
            await station.WriteAsync(new BeatEvent("bed-1", new HeartSound(i % 2 == 0 ? SoundType.S1 : SoundType.S2, i * 0.5, (i * 0.5) + 0.1), 0.1));
        }

        long waveform = 0, beats = 0, detail = 0;
        JsonElement first = Bedside(station, "bed-1", ref waveform, ref beats, ref detail);
        Assert.Equal(40, first.GetProperty("waveform").GetArrayLength()); // 20 s of half-second blocks
        Assert.Equal(10, first.GetProperty("waveform")[0].GetProperty("start").GetDouble());
        Assert.True(first.GetProperty("beats").GetArrayLength() is >= 40 and <= 41);
        JsonElement again = Bedside(station, "bed-1", ref waveform, ref beats, ref detail);
        Assert.Equal(0, again.GetProperty("waveform").GetArrayLength());
        Assert.Equal(0, again.GetProperty("beats").GetArrayLength());
        await station.WriteAsync(new WaveformEvent("bed-1", 30.5, 30, 50, new float[25]));
        Assert.Equal(30, Bedside(station, "bed-1", ref waveform, ref beats, ref detail).GetProperty("waveform")[0].GetProperty("start").GetDouble());
    }

    [Fact]
    public async Task State_ClassifierThatCannotTell_IsNullNotAnError()
    {
        // The murmur frame model reports NaN on poor signal ("cannot tell"); JSON has no NaN, so it must become null
        // (a NaN once ended every bedside stream of the device with an exception).
        var station = new StationState();
        await station.WriteAsync(new DeviceStatusEvent("bed-1", 0, DeviceStatus.Online, null));
        await station.WriteAsync(new ClassificationEvent("bed-1", 5, new Dictionary<string, double> { ["murmur"] = double.NaN, ["Unknown"] = 1 }, "classifier-murmur@2.0.0"));
        long w = 0, b = 0, d = 0;
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Assert.True(station.WriteBedside(json, "bed-1", ref w, ref b, ref d, full: true));
        }

        JsonElement update = JsonDocument.Parse(buffer.WrittenMemory).RootElement;
        Assert.Equal(JsonValueKind.Null, update.GetProperty("classification").GetProperty("murmur").ValueKind);
        Assert.Equal(JsonValueKind.Null, update.GetProperty("tile").GetProperty("hr").ValueKind);
        Assert.Equal("Unknown", update.GetProperty("tile").GetProperty("decision").GetString());
    }

    [Fact]
    public async Task State_DeviceOfflineLongerThanTheRetention_IsDroppedAndListedAsRemoved()
    {
        var station = new StationState { OfflineRetention = TimeSpan.Zero };
        await station.WriteAsync(new VitalsEvent("bed-2", 1, 70, 0.02, 0.9, 6));
        Tiles(station, -1, out long before);
        await station.WriteAsync(new DeviceStatusEvent("bed-2", 60, DeviceStatus.Offline, null));
        Assert.False(station.Contains("bed-2"));
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            station.WriteTiles(json, before);
        }

        JsonElement update = JsonDocument.Parse(buffer.WrittenMemory).RootElement;
        Assert.Equal("bed-2", Assert.Single(update.GetProperty("removed").EnumerateArray()).GetString());
        Assert.False(update.GetProperty("full").GetBoolean());
        Assert.Equal(0, Tiles(station, -1, out _).GetArrayLength());
    }

    [Fact]
    public void WebPasswordCommand_PrintsAVerifiableHash_AndRefusesAShortPassword()
    {
        CliResult ok = Commands.Cli.RunWithInput("a long enough password\n", "web-password");
        Assert.Equal(0, ok.ExitCode);
        Assert.True(WebPassword.Verify(ok.Stdout.Trim(), "a long enough password"));
        CliResult shortOne = Commands.Cli.RunWithInput("short\n", "web-password");
        Assert.Equal(2, shortOne.ExitCode);
        Assert.Contains("12 characters", shortOne.Stderr, StringComparison.Ordinal);
    }

    private static AlertEvent Alert(string device, AlertState state, AlertPriority priority) => new(
        $"x-{device}-tachycardia-1", device, AlertType.Tachycardia, priority, AlertCategory.Physiological, state, 20, 8, 18,
        state == AlertState.Cleared ? 20 : null, false, new AlertEvidence(112, null, null, null, null, null, null, null), "Tachycardia: heart rate 112 bpm");

    private static JsonElement Tiles(StationState station, long since, out long version)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            version = station.WriteTiles(json, since);
        }

        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.GetProperty("tiles").Clone();
    }

    private static JsonElement Bedside(StationState station, string device)
    {
        long w = 0, b = 0, d = 0;
        return Bedside(station, device, ref w, ref b, ref d);
    }

    private static JsonElement Bedside(StationState station, string device, ref long waveform, ref long beats, ref long detail)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Assert.True(station.WriteBedside(json, device, ref waveform, ref beats, ref detail, full: false));
        }

        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }
}
