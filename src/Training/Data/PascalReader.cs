using System.Text.RegularExpressions;

namespace HeartStream.Training.Data;

/// <summary>
/// Reads the PASCAL 2011 heart-sound challenge metadata: <c>pascal/set_a.csv</c> (fname is the file path) and
/// <c>pascal/set_b.csv</c>, whose fname column does not match the files and goes through
/// <c>pascal/set_b_fname_map.csv</c>. Only rows whose audio file exists are returned: the unlabelled test rows
/// (empty label) have no file in this copy and are skipped.
/// </summary>
/// <remarks>
/// Patients: set A carries no patient identity, so each recording is its own patient (its file stem). Set B file names
/// embed the patient number ("normal__127_1306764300147_D1.wav", "murmur_noisymurmur_135_..." → "127", "135"); a set B
/// name without one falls back to its own file stem.
/// </remarks>
public static partial class PascalReader
{
    public const string FolderName = "pascal";

    /// <param name="dataRoot">The shared data folder that holds pascal/ (e.g. ../shared/data).</param>
    /// <returns>Set A then set B recordings, each in CSV order.</returns>
    public static IReadOnlyList<RecordingInfo> Read(string dataRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataRoot);
        string root = Path.GetFullPath(Path.Combine(dataRoot, FolderName));
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"PASCAL folder not found: {root}");
        }

        var result = new List<RecordingInfo>();
        ReadSet(root, Path.Combine(root, "set_a.csv"), map: null, result);
        Dictionary<string, string> map = ReadMap(Path.Combine(root, "set_b_fname_map.csv"));
        ReadSet(root, Path.Combine(root, "set_b.csv"), map, result);
        return result;
    }

    /// <summary>The patient number embedded in a set B file name, or null when it has none.</summary>
    public static string? SetBPatientNumber(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        Match match = SetBPatientPattern().Match(Path.GetFileName(fileName));
        return match.Success ? match.Groups[1].Value : null;
    }

    private static void ReadSet(string root, string csvPath, Dictionary<string, string>? map, List<RecordingInfo> result)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (DelimitedRow row in DelimitedFile.ReadWithHeader(csvPath, ',', "dataset", "fname", "label", "sublabel"))
        {
            string label = row.Fields[2].Trim();
            string sublabel = row.Fields[3].Trim();
            if (label.Length == 0)
            {
                continue; // unlabelled test row: no file in this copy
            }

            string fname = row.Fields[1].Trim();
            if (map is not null && !map.TryGetValue(fname, out fname!))
            {
                continue; // not in the map: no file here
            }

            string wav = Path.GetFullPath(Path.Combine(root, fname));
            if (!File.Exists(wav))
            {
                continue;
            }

            if (!seen.Add(wav))
            {
                throw DelimitedFile.Error(csvPath, row.LineNumber, $"file '{fname}' is listed twice");
            }

            PascalClass pascalClass = label switch
            {
                "normal" => PascalClass.Normal,
                "murmur" => PascalClass.Murmur,
                "extrahls" => PascalClass.ExtraHeartSound,
                "extrastole" => PascalClass.Extrastole,
                "artifact" => PascalClass.Artifact,
                _ => throw DelimitedFile.Error(csvPath, row.LineNumber, $"label '{label}' must be normal, murmur, extrahls, extrastole or artifact"),
            };
            bool? noisy = null;
            if (map is not null)
            {
                noisy = sublabel.Length > 0 && sublabel.StartsWith("noisy", StringComparison.Ordinal);
                if (sublabel.Length > 0 && !noisy.Value)
                {
                    throw DelimitedFile.Error(csvPath, row.LineNumber, $"sublabel '{sublabel}' must be empty or noisy<label>");
                }
            }

            string id = Path.GetFileNameWithoutExtension(wav);
            string subset = Path.GetFileName(Path.GetDirectoryName(wav)) ?? string.Empty;
            result.Add(new RecordingInfo
            {
                Dataset = DatasetKind.Pascal,
                Id = id,
                PatientId = map is null ? id : SetBPatientNumber(wav) ?? id,
                WavPath = wav,
                SubSet = subset,
                PascalClass = pascalClass,
                Noisy = noisy,
            });
        }
    }

    private static Dictionary<string, string> ReadMap(string path)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DelimitedRow row in DelimitedFile.ReadWithHeader(path, ',', "fname_in_set_b_csv", "file_in_set_b_folder"))
        {
            string from = row.Fields[0].Trim();
            string to = row.Fields[1].Trim();
            if (from.Length == 0 || to.Length == 0)
            {
                throw DelimitedFile.Error(path, row.LineNumber, "both names must be non-empty");
            }

            if (!map.TryAdd(from, to))
            {
                throw DelimitedFile.Error(path, row.LineNumber, $"'{from}' is mapped twice");
            }
        }

        return map;
    }

    // <label>__<patient>_<timestamp>_... or <label>_noisy<label>_<patient>_<timestamp>_...
    [GeneratedRegex(@"^[a-z]+_(?:_|noisy[a-z]+_)(\d+)_\d+", RegexOptions.CultureInvariant)]
    private static partial Regex SetBPatientPattern();
}
