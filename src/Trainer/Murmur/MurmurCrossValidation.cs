using System.Globalization;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using HeartStream.Pipeline;
using HeartStream.Pipeline.Live;
using HeartStream.Trainer.Torch;
using HeartStream.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace HeartStream.Trainer.Murmur;

/// <summary>Figures of one cross-validation run.</summary>
public sealed record MurmurCvResult(
    IReadOnlyList<PatientScore> Scores,
    IReadOnlyList<MurmurThresholds> FoldThresholds,
    IReadOnlyList<MurmurFigures> FoldFigures,
    MurmurFigures Pooled,
    MurmurThresholds AllOutOfFold,
    double Seconds,
    IReadOnlyList<RecordingDiagnostics> Recordings);

/// <summary>
/// One recording's out-of-fold output: its murmur score, the mean frame posterior of every class (class order of
/// <see cref="MurmurFrameLabels.Classes"/>) and the mean of the frames' highest posterior (the model's confidence).
/// </summary>
public sealed record RecordingDiagnostics(string Recording, string Patient, MurmurStatus Truth, bool? HeardHere, int Fold, int Frames, double Score, double Confidence, double[] MeanPosteriors);

/// <summary>
/// Patient-wise stratified k-fold cross-validation of the murmur frame model: patients (CirCor "Additional ID" groups)
/// are dealt into folds within each murmur class in a seeded hash order; each fold's model is trained on the other
/// folds' Present and Absent patients (Unknown patients have no murmur labels to learn from) and scores every patient of
/// its own fold. Each fold's thresholds are chosen on the out-of-fold scores of the other folds only, so no patient's
/// own label ever sets the threshold that decides it.
/// </summary>
public static class MurmurCrossValidation
{
    /// <summary>Fold of every patient key (0..folds−1).</summary>
    public static Dictionary<string, int> AssignFolds(IReadOnlyList<MurmurRecording> recordings, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var patients = recordings
            .GroupBy(r => r.PatientKey, StringComparer.Ordinal)
            .Select(g => (Key: g.Key, Status: g.First().Info.Murmur ?? MurmurStatus.Unknown))
            .ToList();
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var stratum in patients.GroupBy(p => p.Status).OrderBy(g => g.Key))
        {
            int i = 0;
            foreach (var p in stratum.OrderBy(p => Hash(seed, p.Key)).ThenBy(p => p.Key, StringComparer.Ordinal))
            {
                result[p.Key] = i++ % folds;
            }
        }

        return result;
    }

    public static MurmurCvResult Run(
        IReadOnlyList<MurmurRecording> recordings,
        FrameTcnSpec spec,
        FrameTrainingOptions options,
        int folds,
        int firstSpectral,
        Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Dictionary<string, int> fold = AssignFolds(recordings, folds, options.Seed);
        var scores = new List<PatientScore>();
        var diagnostics = new List<RecordingDiagnostics>();
        for (int k = 0; k < folds; k++)
        {
            MurmurRecording[] train = [.. recordings.Where(r => fold[r.PatientKey] != k && r.Info.Murmur != MurmurStatus.Unknown)];
            MurmurRecording[] test = [.. recordings.Where(r => fold[r.PatientKey] == k)];
            log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"fold {k + 1}/{folds}: training on {train.Length} recordings of {train.Select(r => r.PatientKey).Distinct().Count()} patients, testing {test.Length} recordings of {test.Select(r => r.PatientKey).Distinct().Count()} patients"));
            int foldIndex = k;
            using nn.Module<Tensor, Tensor> model = FrameModelTrainer.Train(
                spec,
                train,
                options with { Seed = options.Seed + k },
                firstSpectral,
                line => log?.Invoke("  " + line),
                (m, epoch) => epoch == options.Epochs || epoch % 4 == 0
                    ? "held-out AUROC " + MurmurDecision.Auroc(Score(m, test, spec, options, firstSpectral, foldIndex)).ToString("0.000", CultureInfo.InvariantCulture)
                    : null);
            scores.AddRange(Score(model, test, spec, options, firstSpectral, k, diagnostics));
        }

        var thresholds = new MurmurThresholds[folds];
        var figures = new MurmurFigures[folds];
        for (int k = 0; k < folds; k++)
        {
            thresholds[k] = MurmurDecision.Choose([.. scores.Where(s => s.Fold != k)]);
            int kk = k;
            figures[k] = MurmurDecision.Figures([.. scores.Where(s => s.Fold == kk)], _ => thresholds[kk]);
        }

        MurmurFigures pooled = MurmurDecision.Figures(scores, s => thresholds[s.Fold]);
        return new MurmurCvResult(scores, thresholds, figures, pooled, MurmurDecision.Choose(scores), clock.Elapsed.TotalSeconds, diagnostics);
    }

    /// <summary>Patient scores (max over the patient's recordings) of a model on <paramref name="recordings"/>.</summary>
    public static List<PatientScore> Score(nn.Module<Tensor, Tensor> model, IReadOnlyList<MurmurRecording> recordings, FrameTcnSpec spec, FrameTrainingOptions options, int firstSpectral, int fold, List<RecordingDiagnostics>? diagnostics = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var best = new Dictionary<string, PatientScore>(StringComparer.Ordinal);
        foreach (MurmurRecording r in recordings)
        {
            float[] p = FrameModelInference.Posteriors(model, r, spec.Classes, options.CropFrames, firstSpectral);
            MurmurEvidence evidence = MurmurDecision.Evidence(p, r.Frames);
            double s = evidence.Score;
            RecordingDiagnostics d = Diagnose(r, p, spec.Classes, fold, s, evidence.MeanConfidence);
            diagnostics?.Add(d);
            if (r.Frames / (double)AnalysisRate.FrameRate < options.MinHeardSeconds || d.Confidence < options.MinConfidence)
            {
                // "Cannot tell" from this recording, as the service would say; a patient with no usable one is Unknown.
                best.TryAdd(r.PatientKey, new PatientScore(r.PatientKey, r.Info.Murmur ?? MurmurStatus.Unknown, double.NaN, fold));
                continue;
            }

            if (!best.TryGetValue(r.PatientKey, out PatientScore? old) || double.IsNaN(old.Score) || s > old.Score)
            {
                best[r.PatientKey] = new PatientScore(r.PatientKey, r.Info.Murmur ?? MurmurStatus.Unknown, s, fold);
            }
        }

        return [.. best.Values.OrderBy(v => v.Patient, StringComparer.Ordinal)];
    }

    private static RecordingDiagnostics Diagnose(MurmurRecording r, float[] p, int classes, int fold, double score, double confidence)
    {
        int n = r.Frames;
        var mean = new double[classes];
        for (int k = 0; k < classes; k++)
        {
            double sum = 0;
            for (int t = 0; t < n; t++)
            {
                sum += p[(k * n) + t];
            }

            mean[k] = sum / Math.Max(1, n);
        }

        return new RecordingDiagnostics(r.Info.Id, r.PatientKey, r.Info.Murmur ?? MurmurStatus.Unknown, r.Info.MurmurHeardHere, fold, n, score, confidence, mean);
    }

    private static ulong Hash(int seed, string key) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(seed.ToString(CultureInfo.InvariantCulture) + "/" + key)));
}
