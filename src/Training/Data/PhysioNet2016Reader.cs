namespace HeartStream.Training.Data;

/// <summary>
/// Reads the PhysioNet/CinC 2016 training set metadata: for every training-* folder under
/// <c>dataRoot/physionet2016</c>, REFERENCE.csv (record,label with 1 = abnormal, -1 = normal) and, when present,
/// REFERENCE-SQI.csv (record,label,sqi with 1 = usable, 0 = unsure). The data carry no patient identity, so each
/// recording is its own patient.
/// </summary>
public static class PhysioNet2016Reader
{
    public const string FolderName = "physionet2016";

    /// <param name="dataRoot">The shared data folder that holds physionet2016/ (e.g. ../shared/data).</param>
    /// <returns>Recordings in folder then REFERENCE.csv order.</returns>
    public static IReadOnlyList<RecordingInfo> Read(string dataRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataRoot);
        string root = Path.GetFullPath(Path.Combine(dataRoot, FolderName));
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"PhysioNet 2016 folder not found: {root}");
        }

        string[] subsets = Directory.GetDirectories(root, "training-*");
        Array.Sort(subsets, StringComparer.Ordinal);
        if (subsets.Length == 0)
        {
            throw new InvalidDataException($"No training-* folders in {root}");
        }

        var result = new List<RecordingInfo>();
        foreach (string folder in subsets)
        {
            ReadSubset(folder, result);
        }

        return result;
    }

    private static void ReadSubset(string folder, List<RecordingInfo> result)
    {
        string subset = Path.GetFileName(folder);
        Dictionary<string, bool> quality = ReadQuality(Path.Combine(folder, "REFERENCE-SQI.csv"));
        string referencePath = Path.Combine(folder, "REFERENCE.csv");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (DelimitedRow row in DelimitedFile.Read(referencePath, ','))
        {
            if (row.Fields.Length != 2)
            {
                throw DelimitedFile.Error(referencePath, row.LineNumber, $"expected 2 fields (record,label) but found {row.Fields.Length}");
            }

            string id = row.Fields[0].Trim();
            CheckRecordName(referencePath, row.LineNumber, id);
            if (!seen.Add(id))
            {
                throw DelimitedFile.Error(referencePath, row.LineNumber, $"record '{id}' is listed twice");
            }

            bool abnormal = ParseLabel(referencePath, row.LineNumber, row.Fields[1]);
            string wav = Path.Combine(folder, id + ".wav");
            if (!File.Exists(wav))
            {
                throw DelimitedFile.Error(referencePath, row.LineNumber, $"record '{id}' has no audio file {wav}");
            }

            result.Add(new RecordingInfo
            {
                Dataset = DatasetKind.PhysioNet2016,
                Id = id,
                PatientId = id,
                WavPath = wav,
                SubSet = subset,
                Abnormal = abnormal,
                SignalQualityUsable = quality.TryGetValue(id, out bool usable) ? usable : null,
            });
        }
    }

    private static Dictionary<string, bool> ReadQuality(string path)
    {
        var quality = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return quality;
        }

        foreach (DelimitedRow row in DelimitedFile.Read(path, ','))
        {
            if (row.Fields.Length != 3)
            {
                throw DelimitedFile.Error(path, row.LineNumber, $"expected 3 fields (record,label,sqi) but found {row.Fields.Length}");
            }

            string id = row.Fields[0].Trim();
            CheckRecordName(path, row.LineNumber, id);
            _ = ParseLabel(path, row.LineNumber, row.Fields[1]);
            bool usable = row.Fields[2].Trim() switch
            {
                "1" => true,
                "0" => false,
                _ => throw DelimitedFile.Error(path, row.LineNumber, $"signal quality '{row.Fields[2]}' must be 1 (usable) or 0 (unsure)"),
            };
            if (!quality.TryAdd(id, usable))
            {
                throw DelimitedFile.Error(path, row.LineNumber, $"record '{id}' is listed twice");
            }
        }

        return quality;
    }

    private static bool ParseLabel(string path, int line, string field) => field.Trim() switch
    {
        "1" => true,
        "-1" => false,
        _ => throw DelimitedFile.Error(path, line, $"label '{field}' must be 1 (abnormal) or -1 (normal)"),
    };

    private static void CheckRecordName(string path, int line, string id)
    {
        if (id.Length == 0 || id.AsSpan().IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || id.Contains('.', StringComparison.Ordinal))
        {
            throw DelimitedFile.Error(path, line, $"'{id}' is not a valid record name");
        }
    }
}
