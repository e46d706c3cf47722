using System.Text.Json;
using HeartStream.Capture.Audio;
using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Cli.Tests.Commands;

/// <summary>
/// <c>heartstream analyze</c> over the real samples mixed with the bad files people actually feed it: every bad file
/// gets one error line naming it and its problem, the good ones are still analysed, and the exit code says so.
/// </summary>
public sealed class AnalyzeCommandTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] s_samples =
    [
        Cli.Sample("circor/13918_AV.wav"),
        Cli.Sample("circor/46532_AV.wav"),
        Cli.Sample("physionet2016/a0002.wav"),
        Cli.Sample("physionet2016/a0035.wav"),
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("heartstream-cli-analyze-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Bad inputs by name, each with a phrase its error line must contain.</summary>
    private Dictionary<string, string> WriteBadFiles()
    {
        byte[] real = File.ReadAllBytes(s_samples[0]);

        // A real file whose fmt chunk was overwritten: channel count 0 (bytes 22–23 of a canonical header).
        byte[] corrupt = (byte[])real.Clone();
        corrupt[22] = 0;
        corrupt[23] = 0;
        File.WriteAllBytes(Path.Combine(_dir, "corrupt.wav"), corrupt);
        File.WriteAllText(Path.Combine(_dir, "notes.wav.txt"), "systolic murmur grade II, recorded at the aortic site\n");
        File.WriteAllBytes(Path.Combine(_dir, "truncated.wav"), real.AsSpan(0, 5000).ToArray());
        File.WriteAllBytes(Path.Combine(_dir, "empty.wav"), []);
        return new Dictionary<string, string>
        {
            [Path.Combine(_dir, "corrupt.wav")] = "channel",
            [Path.Combine(_dir, "notes.wav.txt")] = "not a RIFF/WAVE file",
            [Path.Combine(_dir, "truncated.wav")] = "truncated",
            [Path.Combine(_dir, "empty.wav")] = "empty",
            [Path.Combine(_dir, "missing.wav")] = "no such file",
        };
    }

    [Fact]
    public void Analyze_SamplesMixedWithBadFiles_ExitOneErrorLinePerBadFileGoodFilesAnalysed()
    {
        Dictionary<string, string> bad = WriteBadFiles();
        string silent = Path.Combine(_dir, "silent.wav");
        TestWav.WritePcm16(silent, new float[4000 * 5], 4000);

        // Bad files first and in between, so an early failure cannot stop the later good files.
        string[] args = ["analyze", "--summary", .. bad.Keys.Take(2), s_samples[0], s_samples[1], .. bad.Keys.Skip(2), s_samples[2], s_samples[3], silent];
        CliResult r = Cli.Run(args);
        output.WriteLine(r.ToString());

        Assert.Equal(1, r.ExitCode);
        string[] errors = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(bad.Count, errors.Length);
        foreach ((string file, string problem) in bad)
        {
            string line = Assert.Single(errors, e => e.Contains(file, StringComparison.Ordinal));
            Assert.StartsWith("error: ", line, StringComparison.Ordinal);
            Assert.Contains(problem, line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("   at ", line, StringComparison.Ordinal); // a message, not a stack trace
        }

        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(s_samples.Length + 1, lines.Length);
        foreach (string sample in s_samples)
        {
            string line = Assert.Single(lines, l => l.StartsWith(sample + ":", StringComparison.Ordinal));
            Assert.Matches(@"heart rate \d+ bpm \(envelope estimate \d+ bpm\), \d+ S1, \d+ S2$", line);
        }

        Assert.Contains(lines, l => l.StartsWith(silent + ": 5.0 s at 4000 Hz, not segmented: silent", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_Json_ParsesWithStatusSoundsPerFileAndErrorEntries()
    {
        string missing = Path.Combine(_dir, "missing.wav");
        CliResult r = Cli.Run(["analyze", "--json", s_samples[0], missing, s_samples[2]]);
        output.WriteLine(r.ToString());
        Assert.Equal(1, r.ExitCode);

        using JsonDocument doc = JsonDocument.Parse(r.Stdout);
        JsonElement[] files = [.. doc.RootElement.GetProperty("files").EnumerateArray()];
        Assert.Equal(3, files.Length);
        Assert.Equal(missing, files[1].GetProperty("file").GetString());
        Assert.Contains("no such file", files[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        foreach (JsonElement f in new[] { files[0], files[2] })
        {
            Assert.Equal("ok", f.GetProperty("status").GetString());
            double bpm = f.GetProperty("heart_rate_bpm").GetDouble();
            Assert.InRange(bpm, 40, 200);

            // Every shipped window classifier reports a probability distribution over its classes; the murmur frame
            // model reports P(murmur) and its score, and a decision.
            JsonProperty[] classifiers = [.. f.GetProperty("class_probabilities").EnumerateObject()];
            Assert.Equal(3, classifiers.Length);
            foreach (JsonProperty c in classifiers.Where(c => !c.Name.StartsWith("classifier-murmur ", StringComparison.Ordinal)))
            {
                double[] p = [.. c.Value.EnumerateObject().Select(x => x.Value.GetDouble())];
                Assert.True(p.Length >= 2 && p.All(v => v is >= 0 and <= 1), $"bad probabilities {c}");
                Assert.InRange(p.Sum(), 0.99, 1.01);
            }

            JsonProperty murmur = Assert.Single(classifiers, c => c.Name.StartsWith("classifier-murmur ", StringComparison.Ordinal));
            Assert.InRange(murmur.Value.GetProperty("murmur").GetDouble(), 0, 1);
            Assert.InRange(murmur.Value.GetProperty("murmur_score").GetDouble(), 0, 1);
            string? decision = f.GetProperty("decisions").GetProperty(murmur.Name).GetProperty("decision").GetString();
            Assert.Contains(decision, new[] { "Present", "Unknown", "Absent" });
            JsonElement[] sounds = [.. f.GetProperty("sounds").EnumerateArray()];
            Assert.True(sounds.Length > 20, $"{f.GetProperty("file")}: only {sounds.Length} sounds");
            Assert.Equal(f.GetProperty("s1_count").GetInt32(), sounds.Count(s => s.GetProperty("type").GetString() == "S1"));
            Assert.Equal(f.GetProperty("s2_count").GetInt32(), sounds.Count(s => s.GetProperty("type").GetString() == "S2"));
            double duration = f.GetProperty("duration_s").GetDouble();
            foreach (JsonElement s in sounds)
            {
                double start = s.GetProperty("start_s").GetDouble(), end = s.GetProperty("end_s").GetDouble(), centre = s.GetProperty("centre_s").GetDouble();
                Assert.True(start >= 0 && start <= centre && centre <= end && end <= duration, $"sound {s} outside 0..{duration} s or out of order");
            }

            Assert.Equal(0, f.GetProperty("warnings").GetArrayLength());
        }

        Assert.Equal(4000, files[0].GetProperty("sample_rate").GetInt32());
        Assert.Equal(2000, files[2].GetProperty("sample_rate").GetInt32());
    }

    /// <summary>
    /// Pipeline:UseCuda on a build without the CUDA provider (the default CPU package, as on this machine): one line
    /// says the segmenter runs on CPU and why, and the analysis is the CPU one.
    /// </summary>
    [Fact]
    public void Analyze_CudaRequestedWithoutCudaBuild_OneLineNamesCpuAndTheAnalysisRuns()
    {
        CliResult plain = Cli.Run("analyze", s_samples[1]);
        CliResult cuda = Cli.RunWith(new Dictionary<string, string> { ["HEARTSTREAM_Pipeline__UseCuda"] = "true" }, "analyze", s_samples[1]);
        output.WriteLine(cuda.Stderr);

        Assert.Equal(0, cuda.ExitCode);
        string[] lines = cuda.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string line = Assert.Single(lines, l => l.StartsWith("inference: ", StringComparison.Ordinal));
        Assert.Contains("runs on CPU (CUDA requested but unavailable: this ONNX Runtime build has no CUDA execution provider", line, StringComparison.Ordinal);
        Assert.DoesNotContain("inference: ", plain.Stderr, StringComparison.Ordinal);
        Assert.Equal(plain.Stdout, cuda.Stdout);
    }

    [Fact]
    public void Analyze_Patient_DecidesByTheHighestLocationScore()
    {
        // Two committed recordings treated as one patient's locations (they are two children): the rule's mechanics.
        CliResult r = Cli.Run(["analyze", "--json", "--patient", s_samples[0], s_samples[1]]);
        Assert.True(r.ExitCode == 0, r.ToString());
        using JsonDocument doc = JsonDocument.Parse(r.Stdout);
        (string File, double Score)[] scores = [.. doc.RootElement.GetProperty("files").EnumerateArray().Select(f => (
            f.GetProperty("file").GetString()!,
            f.GetProperty("class_probabilities").EnumerateObject().Single(c => c.Name.StartsWith("classifier-murmur ", StringComparison.Ordinal)).Value.GetProperty("murmur_score").GetDouble()))];
        JsonElement patient = doc.RootElement.GetProperty("patient");
        Assert.Equal(2, patient.GetProperty("locations_told").GetInt32());
        Assert.Equal(scores.MaxBy(s => s.Score).File, patient.GetProperty("highest_at").GetString());
        Assert.Equal(scores.Max(s => s.Score), patient.GetProperty("murmur_score").GetDouble(), 3);
        Assert.Contains(patient.GetProperty("decision").GetString(), new[] { "Present", "Unknown", "Absent" });

        CliResult text = Cli.Run(["analyze", "--summary", "--patient", s_samples[0], s_samples[1]]);
        Assert.Matches(@"patient \(2 of 2 locations could tell\): murmur (Present|Unknown|Absent), P\(murmur\) \d\.\d\d, highest score \d\.\d{3} at ", text.Stdout);
    }

    [Fact]
    public void Analyze_AllGoodFiles_ExitZeroAndEverySoundListed()
    {
        CliResult r = Cli.Run(["analyze", s_samples[3]]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Empty(r.Stderr);
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith(s_samples[3] + ": 29.0 s at 2000 Hz", lines[0], StringComparison.Ordinal);
        Assert.True(lines.Length > 40, r.ToString());
        // After the summary: one line per shipped classifier, then one line per sound.
        Assert.All(lines.Skip(1).Take(3), l => Assert.Matches(@"^  classifier-\w+ [\d.]+: ((Present|Unknown|Absent|cannot tell)( \([^)]*\))?; )?(\w+ \d\.\d\d(, )?)+$", l));
        Assert.All(lines.Skip(4), l => Assert.Matches(@"^  S[12]\s+start\s+\d+\.\d{3}\s+end\s+\d+\.\d{3}\s+centre\s+\d+\.\d{3}$", l));
    }

    [Fact]
    public void Analyze_Context_LiveByDefaultFullOnRequestOthersRefused()
    {
        CliResult live = Cli.Run(["analyze", "--json", s_samples[1]]);
        CliResult same = Cli.Run(["analyze", "--json", "--context", "live", s_samples[1]]);
        CliResult full = Cli.Run(["analyze", "--json", "--context", "full", s_samples[1]]);
        CliResult bogus = Cli.Run(["analyze", "--context", "future", s_samples[1]]);

        Assert.True(live.ExitCode == 0, live.ToString());
        Assert.True(full.ExitCode == 0, full.ToString());
        Assert.Equal(live.Stdout, same.Stdout);
        // 46532_AV is where the two differ on the committed samples (F1 0.908 between the live stream and the full pass).
        Assert.NotEqual(Sounds(live.Stdout), Sounds(full.Stdout));
        Assert.NotEqual(0, bogus.ExitCode);
        Assert.Contains("future", bogus.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_LiveContext_ServesAsTheConfiguredServiceWould()
    {
        // The service's Pipeline settings (here through HEARTSTREAM_ variables) are the live serving analyze reproduces.
        CliResult standard = Cli.Run(["analyze", "--json", s_samples[1]]);
        CliResult longer = Cli.RunWith(new Dictionary<string, string> { ["HEARTSTREAM_Pipeline__NeuralLookaheadFrames"] = "60" }, "analyze", "--json", s_samples[1]);
        CliResult unfit = Cli.RunWith(new Dictionary<string, string> { ["HEARTSTREAM_Pipeline__NeuralHopFrames"] = "500" }, "analyze", s_samples[1]);

        Assert.True(standard.ExitCode == 0, standard.ToString());
        Assert.True(longer.ExitCode == 0, longer.ToString());
        Assert.NotEqual(Sounds(standard.Stdout), Sounds(longer.Stdout));
        Assert.Equal(2, unfit.ExitCode);
        Assert.StartsWith("error: the Pipeline settings", unfit.Stderr, StringComparison.Ordinal);
        Assert.Contains("HopFrames", unfit.Stderr, StringComparison.Ordinal);
    }

    private static string Sounds(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("files")[0].GetProperty("sounds").GetRawText();

    [Fact]
    public void Analyze_UnreadableParameters_ExitTwoWithMessage()
    {
        string bogus = Path.Combine(_dir, "params.json");
        File.WriteAllText(bogus, "{ \"version\": 99 }");
        CliResult r = Cli.Run(["analyze", "--params", bogus, s_samples[3]]);
        output.WriteLine(r.ToString());
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: cannot load segmenter 'default': ", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("version 99", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(r.Stdout);
    }

    [Fact]
    public void Plot_Png_RightSizeNotBlankWithS1AndS2Marks()
    {
        string png = Path.Combine(_dir, "13918.png");

        CliResult r = Cli.Run("analyze", s_samples[0], "--plot", png, "--summary");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(png), "no image written");
        using SkiaSharp.SKBitmap image = SkiaSharp.SKBitmap.Decode(png);
        Assert.NotNull(image);
        Assert.Equal((1600, 600), (image.Width, image.Height));
        int dark = 0, red = 0, blue = 0;
        for (int y = 0; y < image.Height; y += 2)
        {
            for (int x = 0; x < image.Width; x += 2)
            {
                SkiaSharp.SKColor c = image.GetPixel(x, y);
                dark += c.Red + c.Green + c.Blue < 300 ? 1 : 0;
                red += c.Red > 200 && c.Green < 225 && c.Blue < 225 && c.Red - c.Blue > 30 ? 1 : 0;
                blue += c.Blue > 200 && c.Red < 225 && c.Blue - c.Red > 30 ? 1 : 0;
            }
        }

        int total = (image.Width / 2) * (image.Height / 2);
        output.WriteLine($"dark {dark}, S1-red {red}, S2-blue {blue} of {total} sampled pixels");
        Assert.True(dark > total / 100, "the waveform and axes are missing: the image is nearly blank");
        Assert.True(red > total / 100, "no S1 (red) marks");
        Assert.True(blue > total / 100, "no S2 (blue) marks");
    }

    [Fact]
    public void Plot_Svg_WritesAnSvgWithTheMarks()
    {
        string svg = Path.Combine(_dir, "a0035.svg");

        CliResult r = Cli.Run("analyze", s_samples[3], "--plot", svg, "--summary");

        Assert.True(r.ExitCode == 0, r.ToString());
        string text = File.ReadAllText(svg);
        Assert.Contains("<svg", text, StringComparison.Ordinal);
        Assert.Contains("S1", text, StringComparison.Ordinal);
        Assert.Contains("S2", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("two-files")]
    [InlineData("bad-extension")]
    public void Plot_BadUse_ExitsTwoWithOneErrorLine(string why)
    {
        string[] args = why == "two-files"
            ? ["analyze", s_samples[0], s_samples[1], "--plot", Path.Combine(_dir, "x.png")]
            : ["analyze", s_samples[0], "--plot", Path.Combine(_dir, "x.jpg")];

        CliResult r = Cli.Run(args);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: --plot ", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(r.Stdout);
    }
}
