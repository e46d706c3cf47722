using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HeartStream.Training.Data;

/// <summary>
/// Deterministic, patient-wise, stratified train/validation/test split.
/// </summary>
/// <remarks>
/// <para>Patients (dataset + <see cref="RecordingInfo.PatientId"/>) are grouped into strata by dataset and label
/// (CirCor: Murmur; PhysioNet 2016: Abnormal; PASCAL: class). Inside a stratum each patient gets the key
/// SHA-256("seed/dataset/patient"); patients are sorted by key and the first round(n·train) go to Train, up to
/// round(n·(train+val)) to Val, the rest to Test. So every stratum is split in the requested proportions (±1 patient),
/// a patient's recordings are always on one side, and the result depends only on the set of patients and the seed:
/// not on input order, process, machine or .NET version (no string.GetHashCode).</para>
/// <para>Adding a patient to one stratum never moves patients of other strata; within its stratum it can shift the
/// Train/Val/Test boundaries by at most one position each, so at most two existing patients move.</para>
/// <para>A patient whose recordings carry different labels (CirCor children seen in both campaigns) is stratified by
/// the label of its recording with the ordinally smallest Id.</para>
/// </remarks>
public static class PatientSplit
{
    public const int DefaultSeed = 20160;

    /// <returns>One assignment per input recording, in input order.</returns>
    public static IReadOnlyList<SplitAssignment> Assign(
        IEnumerable<RecordingInfo> recordings,
        double trainFraction = 0.7,
        double valFraction = 0.15,
        int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        if (!(trainFraction >= 0 && valFraction >= 0 && trainFraction + valFraction <= 1.0 + 1e-12))
        {
            throw new ArgumentOutOfRangeException(nameof(trainFraction), $"Fractions train={trainFraction}, val={valFraction} must be >= 0 with a sum <= 1.");
        }

        List<RecordingInfo> list = [.. recordings];
        var patients = new Dictionary<string, List<RecordingInfo>>(StringComparer.Ordinal);
        foreach (RecordingInfo recording in list)
        {
            ArgumentNullException.ThrowIfNull(recording, nameof(recordings));
            string key = PatientKey(recording);
            if (!patients.TryGetValue(key, out List<RecordingInfo>? group))
            {
                group = [];
                patients.Add(key, group);
            }

            group.Add(recording);
        }

        var strata = new Dictionary<string, List<(string Hash, string Patient)>>(StringComparer.Ordinal);
        foreach ((string patient, List<RecordingInfo> group) in patients)
        {
            RecordingInfo first = group.MinBy(r => r.Id, StringComparer.Ordinal)!;
            string stratum = Stratum(first);
            if (!strata.TryGetValue(stratum, out List<(string, string)>? members))
            {
                members = [];
                strata.Add(stratum, members);
            }

            members.Add((Hash(seed, patient), patient));
        }

        var parts = new Dictionary<string, SplitPart>(StringComparer.Ordinal);
        foreach (List<(string Hash, string Patient)> members in strata.Values)
        {
            members.Sort((a, b) =>
            {
                int c = string.CompareOrdinal(a.Hash, b.Hash);
                return c != 0 ? c : string.CompareOrdinal(a.Patient, b.Patient);
            });
            int n = members.Count;
            int trainEnd = (int)Math.Round(n * trainFraction, MidpointRounding.AwayFromZero);
            int valEnd = Math.Min(n, (int)Math.Round(n * (trainFraction + valFraction), MidpointRounding.AwayFromZero));
            for (int i = 0; i < n; i++)
            {
                parts[members[i].Patient] = i < trainEnd ? SplitPart.Train : i < valEnd ? SplitPart.Val : SplitPart.Test;
            }
        }

        var result = new SplitAssignment[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            result[i] = new SplitAssignment(list[i], parts[PatientKey(list[i])]);
        }

        return result;
    }

    /// <summary>The stratum a recording's patient is balanced in: dataset plus the label that matters for that dataset.</summary>
    public static string Stratum(RecordingInfo recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        string label = recording.Dataset switch
        {
            DatasetKind.CirCor => recording.Murmur?.ToString() ?? "none",
            DatasetKind.PhysioNet2016 => recording.Abnormal switch { true => "abnormal", false => "normal", null => "none" },
            DatasetKind.Pascal => recording.PascalClass?.ToString() ?? "none",
            _ => "none",
        };
        return recording.Dataset.ToString() + "/" + label;
    }

    private static string PatientKey(RecordingInfo recording) => recording.Dataset.ToString() + "/" + recording.PatientId;

    private static string Hash(int seed, string patientKey)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(seed.ToString(CultureInfo.InvariantCulture) + "/" + patientKey);
        return Convert.ToHexString(SHA256.HashData(bytes));
    }
}
