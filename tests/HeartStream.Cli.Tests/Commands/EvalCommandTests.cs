using System.Text.Json;
using Xunit.Abstractions;

namespace HeartStream.Cli.Tests.Commands;

/// <summary><c>heartstream eval segmentation</c> on a two-recording CirCor folder built from the samples, and on bad folders.</summary>
public sealed class EvalCommandTests(ITestOutputHelper output)
{
    private JsonDocument RunJson(TinyCirCorData data, double toleranceMs)
    {
        CliResult r = Cli.Run(["eval", "segmentation", "--data", data.Root, "--split", "all", "--tolerance-ms", toleranceMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"]);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Empty(r.Stderr);
        return JsonDocument.Parse(r.Stdout);
    }

    [Fact]
    public void EvalSegmentation_TinyCirCorSplitAll_JsonHasEveryKeyWithSaneValues()
    {
        using var data = new TinyCirCorData();
        using JsonDocument doc = RunJson(data, 60);
        JsonElement root = doc.RootElement;
        string[] keys = ["recordings", "tolerance_ms", "se", "ppv", "f1", "s1", "s2", "hr_windows"];
        Assert.All(keys, k => Assert.True(root.TryGetProperty(k, out _), $"key '{k}' missing from {root}"));

        Assert.Equal(2, root.GetProperty("recordings").GetInt32());
        Assert.Equal(60, root.GetProperty("tolerance_ms").GetDouble());
        foreach (string k in new[] { "se", "ppv", "f1" })
        {
            Assert.InRange(root.GetProperty(k).GetDouble(), 0.8, 1.0);
        }

        foreach (string sound in new[] { "s1", "s2" })
        {
            JsonElement m = root.GetProperty(sound);
            int matched = m.GetProperty("matched").GetInt32(), references = m.GetProperty("references").GetInt32(), detections = m.GetProperty("detections").GetInt32();
            Assert.InRange(references, 15, 40); // 49 S1+S2 inside the two annotated spans
            Assert.InRange(matched, 0, Math.Min(references, detections));
            Assert.Equal((double)matched / references, m.GetProperty("se").GetDouble(), 9);
        }

        // hr_mae_bpm is written only when a 10-s window could be scored (the report omits nulls); the two samples'
        // annotated spans are 8.4 s and 5.8 s long, so none can, and the key must then be absent rather than a made-up number.
        int windows = root.GetProperty("hr_windows").GetInt32();
        if (root.TryGetProperty("hr_mae_bpm", out JsonElement mae))
        {
            Assert.True(windows > 0, "hr_mae_bpm reported without any scored window");
            Assert.InRange(mae.GetDouble(), 0, 10);
        }
        else
        {
            Assert.Equal(0, windows);
        }
    }

    [Fact]
    public void EvalSegmentation_WiderTolerance_SensitivityNotLower()
    {
        using var data = new TinyCirCorData();
        using JsonDocument at60 = RunJson(data, 60);
        using JsonDocument at100 = RunJson(data, 100);
        double se60 = at60.RootElement.GetProperty("se").GetDouble();
        double se100 = at100.RootElement.GetProperty("se").GetDouble();
        Assert.Equal(100, at100.RootElement.GetProperty("tolerance_ms").GetDouble());
        Assert.True(se100 >= se60, $"Se at 100 ms {se100} < Se at 60 ms {se60}");
    }

    [Fact]
    public void EvalSegmentation_MissingDataFolder_ExitTwoWithMessage()
    {
        string missing = Path.Combine(Path.GetTempPath(), "heartstream-no-such-data-" + Guid.NewGuid().ToString("N"));
        CliResult r = Cli.Run(["eval", "segmentation", "--data", missing, "--split", "all"]);
        output.WriteLine(r.ToString());
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: data folder {missing} does not exist (expected a copy of ../shared/data)", r.Stderr.Trim());
    }

    [Fact]
    public void EvalSegmentation_DataFolderWithoutCirCor_ExitTwoWithMessageNotStackTrace()
    {
        string empty = Directory.CreateTempSubdirectory("heartstream-empty-data-").FullName;
        try
        {
            CliResult r = Cli.Run(["eval", "segmentation", "--data", empty, "--split", "all", "--json"]);
            output.WriteLine(r.ToString());
            Assert.Equal(2, r.ExitCode);
            Assert.StartsWith($"error: cannot read the circor data set under {empty}: CirCor recordings folder not found", r.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
            Assert.Empty(r.Stdout);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void EvalSegmentation_UnreadableRecording_ReportedOnStderrAndExitOne()
    {
        using var data = new TinyCirCorData();
        string broken = Path.Combine(data.AudioFolder, "46532_AV.wav");
        File.WriteAllBytes(broken, File.ReadAllBytes(broken).AsSpan(0, 3000).ToArray());
        CliResult r = Cli.Run(["eval", "segmentation", "--data", data.Root, "--split", "all", "--json"]);
        output.WriteLine(r.ToString());
        Assert.Equal(1, r.ExitCode);
        string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(broken, line, StringComparison.Ordinal);
        Assert.Contains("truncated", line, StringComparison.Ordinal);
        Assert.Equal(1, JsonDocument.Parse(r.Stdout).RootElement.GetProperty("recordings").GetInt32());
    }

    [Fact]
    public void EvalClassification_MurmurFrameModel_ReportsItsCrossValidationFromTheManifest()
    {
        // The shipped murmur model is trained on every CirCor patient: eval reports its cross-validation, keyed as the
        // window classifiers' reports plus folds / se_present / sp_absent / auroc, and says where the figures come from.
        using var data = new TinyCirCorData();
        CliResult r = Cli.Run(["eval", "classification", "--task", "murmur", "--data", data.Root, "--json"]);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        using JsonDocument doc = JsonDocument.Parse(r.Stdout);
        JsonElement root = doc.RootElement;
        Assert.StartsWith("classifier-murmur 2.", root.GetProperty("model").GetString(), StringComparison.Ordinal);
        Assert.Contains("cross-validation", root.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.InRange(root.GetProperty("folds").GetDouble(), 2, 20);
        Assert.InRange(root.GetProperty("patients").GetDouble(), 400, 1000);
        foreach (string k in new[] { "weighted_accuracy", "se_present", "sp_absent", "auroc" })
        {
            Assert.InRange(root.GetProperty(k).GetDouble(), 0.5, 1.0);
        }

        CliResult text = Cli.Run(["eval", "classification", "--task", "murmur", "--data", data.Root]);
        Assert.Contains("heartstream-train murmur", text.Stdout, StringComparison.Ordinal);
    }
}
