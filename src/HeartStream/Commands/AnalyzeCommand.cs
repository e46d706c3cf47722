using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HeartStream.Capture.Audio;
using HeartStream.Pipeline.Analysis;
using HeartStream.Pipeline.Inference.Models;
using HeartStream.Pipeline.Segmentation;

using ClassProbabilities = System.Collections.Generic.IReadOnlyList<HeartStream.Commands.ClassifierResult>;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream analyze FILE... [--json] [--summary] [--model default|baseline|NAME[@VERSION]] [--params P] [--context live|full] [--plot OUT.png|OUT.svg]</c>: every S1/S2 with start, end and centre, the heart
/// rate, the class probabilities of every shipped classifier, and a one-line summary per file. A file that cannot be analysed gets an error line naming it and the problem;
/// the other files are still analysed, and the exit code is 1.
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("FILE") { Description = "WAV recordings to analyse.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with a result per file." };
        var summary = new Option<bool>("--summary") { Description = "Print only the one-line summary per file." };
        var parameters = new Option<FileInfo?>("--params") { Description = "Baseline segmenter parameters JSON (implies --model baseline unless a model is named)." };
        var model = new Option<string>("--model") { Description = "default (the shipped neural segmenter if present, else the baseline), baseline, or NAME[@VERSION] from the model registry.", DefaultValueFactory = _ => SegmenterChoice.Default };
        Option<string> context = SegmenterChoice.ContextOption();
        context.AcceptOnlyFromAmong("live", "full");
        var plot = new Option<FileInfo?>("--plot") { Description = "Also draw the recording with its S1/S2, heart rate and classifier decisions to OUT.png or OUT.svg (one FILE only)." };
        var patient = new Option<bool>("--patient") { Description = "The FILEs are one patient's auscultation locations: also print the patient's murmur decision (the highest location score, as the model's cross-validation decides)." };
        var command = new Command("analyze", "Find every S1 and S2 and the heart rate in WAV recordings.") { files, json, summary, parameters, model, context, plot, patient };
        command.SetAction(parse => Run(parse.GetValue(files)!, parse.GetValue(json), parse.GetValue(summary), parse.GetValue(parameters), parse.GetValue(model)!, SegmenterChoice.ParseContext(parse.GetValue(context)!), parse.GetValue(plot), parse.GetValue(patient)));
        return command;
    }

    private static int Run(FileInfo[] files, bool json, bool summaryOnly, FileInfo? parametersFile, string model, NeuralContext context, FileInfo? plot, bool patient = false)
    {
        if (plot is not null && (files.Length != 1 || plot.Extension.ToLowerInvariant() is not ".png" and not ".svg"))
        {
            Console.Error.WriteLine(files.Length != 1
                ? $"error: --plot draws one recording; {files.Length} files were given."
                : $"error: --plot writes .png or .svg, not '{plot.Extension}'.");
            return 2;
        }

        SegmenterChoice choice;
        try
        {
            choice = SegmenterChoice.Load(model, parametersFile, context: context, live: ServiceConfiguration.LiveNeuralServing(), preferCuda: ServiceConfiguration.LivePipeline().UseCuda);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot load segmenter '{model}': {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: the Pipeline settings (appsettings.json, HEARTSTREAM_Pipeline__*) do not fit segmenter '{model}': {e.Message}");
            return 2;
        }

        using SegmenterChoice loaded = choice;
        RecordingAnalyzer analyzer = loaded.CreateAnalyzer();
        using var classifiers = new ShippedClassifiers(DefaultPaths.Models, problem => Console.Error.WriteLine($"warning: {problem}"));

        int failed = 0;
        var results = new JsonArray();
        var locations = new List<(string File, ClassifierResult Result)>();
        foreach (FileInfo file in files)
        {
            RecordingAnalysis analysis;
            ClassProbabilities classes = [];
            try
            {
                WavAudio audio = WavReader.Read(file.FullName);
                analysis = analyzer.Analyze(audio);
                if (analysis.Status == AnalysisStatus.Ok && classifiers.Count > 0)
                {
                    classes = classifiers.Classify(audio, analyzer.Settings);
                }

                if (plot is not null)
                {
                    AnalyzePlot.Save(plot.FullName, file.ToString(), audio, analysis, classes);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed++;
                string message = e is FileNotFoundException ? $"{file}: no such file" : e.Message;
                if (json)
                {
                    results.Add(new JsonObject { ["file"] = file.ToString(), ["error"] = message });
                }
                else
                {
                    Console.Error.WriteLine($"error: {message}");
                }

                continue;
            }

            locations.AddRange(classes.Where(c => c.Model.StartsWith("classifier-murmur ", StringComparison.Ordinal) && c.Decision is not null).Select(c => (file.ToString(), c)));
            if (json)
            {
                results.Add(ToJson(file.ToString(), analysis, classes));
            }
            else
            {
                PrintText(file.ToString(), analysis, classes, summaryOnly);
            }
        }

        JsonObject? patientJson = null;
        if (patient)
        {
            (string text, patientJson) = PatientDecision(locations, classifiers);
            if (!json)
            {
                Console.WriteLine(text);
            }
        }

        if (json)
        {
            var root = new JsonObject { ["files"] = results };
            if (patientJson is not null)
            {
                root["patient"] = patientJson;
            }

            Console.WriteLine(root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        return failed == 0 ? 0 : 1;
    }

    /// <summary>The patient rule of the murmur frame model: the highest score over the locations that could tell.</summary>
    private static (string Text, JsonObject Json) PatientDecision(List<(string File, ClassifierResult Result)> locations, ShippedClassifiers classifiers)
    {
        Pipeline.Inference.Models.MurmurRule? rule = classifiers.MurmurRule;
        var told = locations.Where(l => l.Result.Decision != "cannot tell" && l.Result.Probabilities.Any(p => p.Class == "murmur_score")).ToList();
        if (rule is null || told.Count == 0)
        {
            string why = rule is null ? "no murmur frame model is loaded" : $"none of the {locations.Count} locations could tell";
            return ($"patient ({locations.Count} locations): murmur cannot tell ({why})", new JsonObject { ["locations"] = locations.Count, ["decision"] = "cannot tell", ["reason"] = why });
        }

        (string file, ClassifierResult best) = told.MaxBy(l => l.Result.Probabilities.First(p => p.Class == "murmur_score").Probability);
        double score = best.Probabilities.First(p => p.Class == "murmur_score").Probability;
        string decision = rule.Decide(score).ToString();
        double probability = rule.Probability(score);
        string text = FormattableString.Invariant(
            $"patient ({told.Count} of {locations.Count} locations could tell): murmur {decision}, P(murmur) {probability:0.00}, highest score {score:0.000} at {file}");
        return (text, new JsonObject
        {
            ["locations"] = locations.Count,
            ["locations_told"] = told.Count,
            ["decision"] = decision,
            ["murmur"] = Math.Round(probability, 4),
            ["murmur_score"] = Math.Round(score, 4),
            ["highest_at"] = file,
            ["model"] = best.Model,
        });
    }

    internal static string Summary(string name, RecordingAnalysis a)
    {
        var line = FormattableString.Invariant($"{name}: {a.DurationSeconds:0.0} s at {a.SourceSampleRate} Hz");
        if (a.Status != AnalysisStatus.Ok)
        {
            return line + ", not segmented: " + string.Join("; ", a.Warnings);
        }

        string rate = a.BeatHeartRateBpm is double bpm ? FormattableString.Invariant($"{bpm:0} bpm") : "n/a";
        line += FormattableString.Invariant($", heart rate {rate} (envelope estimate {a.HeartRate.Bpm:0} bpm), {a.S1Count} S1, {a.S2Count} S2");
        return a.Warnings.Count == 0 ? line : line + "; warning: " + string.Join("; ", a.Warnings);
    }

    private static void PrintText(string name, RecordingAnalysis a, ClassProbabilities classes, bool summaryOnly)
    {
        Console.WriteLine(Summary(name, a));
        if (summaryOnly)
        {
            return;
        }

        foreach (ClassifierResult c in classes)
        {
            string text = string.Join(", ", c.Probabilities.Select(p => FormattableString.Invariant($"{p.Class} {p.Probability:0.00}")));
            string decision = c.Decision is null ? "" : c.Reason is null ? $"{c.Decision}; " : $"{c.Decision} ({c.Reason}); ";
            Console.WriteLine($"  {c.Model}: {decision}{text}");
        }

        foreach (HeartSound s in a.Sounds)
        {
            Console.WriteLine(FormattableString.Invariant($"  {s.Type,-2}  start {s.StartSeconds,8:0.000}  end {s.EndSeconds,8:0.000}  centre {s.CentreSeconds,8:0.000}"));
        }
    }

    private static JsonObject ToJson(string name, RecordingAnalysis a, ClassProbabilities classes)
    {
        var classification = new JsonObject();
        var decisions = new JsonObject();
        foreach (ClassifierResult c in classes)
        {
            var byClass = new JsonObject();
            foreach ((string cls, double p) in c.Probabilities)
            {
                if (double.IsFinite(p))
                {
                    byClass[cls] = Math.Round(p, 4);
                }
            }

            classification[c.Model] = byClass;
            if (c.Decision is not null)
            {
                decisions[c.Model] = new JsonObject { ["decision"] = c.Decision, ["reason"] = c.Reason };
            }
        }

        var sounds = new JsonArray();
        foreach (HeartSound s in a.Sounds)
        {
            sounds.Add(new JsonObject
            {
                ["type"] = s.Type.ToString(),
                ["start_s"] = Math.Round(s.StartSeconds, 3),
                ["end_s"] = Math.Round(s.EndSeconds, 3),
                ["centre_s"] = Math.Round(s.CentreSeconds, 3),
            });
        }

        var warnings = new JsonArray();
        foreach (string w in a.Warnings)
        {
            warnings.Add(w);
        }

        return new JsonObject
        {
            ["file"] = name,
            ["status"] = a.Status.ToString().ToLower(CultureInfo.InvariantCulture),
            ["duration_s"] = Math.Round(a.DurationSeconds, 3),
            ["sample_rate"] = a.SourceSampleRate,
            ["heart_rate_bpm"] = a.BeatHeartRateBpm is double bpm ? Math.Round(bpm, 1) : null,
            ["envelope_heart_rate_bpm"] = a.Status == AnalysisStatus.Ok ? Math.Round(a.HeartRate.Bpm, 1) : null,
            ["systole_s"] = a.Status == AnalysisStatus.Ok ? Math.Round(a.HeartRate.SystoleSeconds, 3) : null,
            ["s1_count"] = a.S1Count,
            ["s2_count"] = a.S2Count,
            ["peak_dbfs"] = double.IsFinite(a.Signal.PeakDbfs) ? Math.Round(a.Signal.PeakDbfs, 1) : null,
            ["clipped_fraction"] = Math.Round(a.Signal.ClippedFraction, 5),
            ["warnings"] = warnings,
            ["class_probabilities"] = classification,
            ["decisions"] = decisions,
            ["sounds"] = sounds,
        };
    }
}
