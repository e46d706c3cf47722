using System.Globalization;

namespace HeartStream.Training.Data;

/// <summary>
/// Reads the CirCor DigiScope training set metadata: the patient table <c>circor/training_data.csv</c> and the
/// recordings present in <c>circor/training_data/</c>, named <c>&lt;patient&gt;_&lt;location&gt;[_n].wav</c> with
/// their segmentation in <c>&lt;same name&gt;.tsv</c>. Labels (Murmur, Outcome) are per patient and copied to every
/// recording of that patient.
/// </summary>
/// <remarks>
/// Sixteen IDs in CirCor are eight children seen in both campaigns (linked by "Additional ID"); their recordings get
/// <see cref="RecordingInfo.PatientId"/> = the numerically smaller of the two IDs, so a split keeps them together.
/// </remarks>
public static class CirCorReader
{
    public const string FolderName = "circor";

    private static readonly string[] s_requiredColumns = ["Patient ID", "Murmur", "Outcome"];

    /// <param name="dataRoot">The shared data folder that holds circor/ (e.g. ../shared/data).</param>
    /// <returns>Recordings in ordinal file-name order.</returns>
    public static IReadOnlyList<RecordingInfo> Read(string dataRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataRoot);
        string root = Path.GetFullPath(Path.Combine(dataRoot, FolderName));
        string tablePath = Path.Combine(root, "training_data.csv");
        string audioFolder = Path.Combine(root, "training_data");
        if (!Directory.Exists(audioFolder))
        {
            throw new DirectoryNotFoundException($"CirCor recordings folder not found: {audioFolder}");
        }

        Dictionary<string, Patient> patients = ReadPatients(tablePath);
        string[] wavs = Directory.GetFiles(audioFolder, "*.wav");
        Array.Sort(wavs, StringComparer.Ordinal);
        var result = new List<RecordingInfo>(wavs.Length);
        foreach (string wav in wavs)
        {
            string id = Path.GetFileNameWithoutExtension(wav);
            string[] parts = id.Split('_');
            if (parts.Length is < 2 or > 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)
                || (parts.Length == 3 && !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                throw new InvalidDataException($"{wav}: CirCor recording names must be <patient>_<location>[_<n>].wav");
            }

            if (parts[1].Length == 0 || !char.IsLetter(parts[1][0]) || !Enum.TryParse(parts[1], ignoreCase: false, out AuscultationLocation location) || !Enum.IsDefined(location))
            {
                throw new InvalidDataException($"{wav}: unknown auscultation location '{parts[1]}' (expected AV, PV, TV, MV or Phc)");
            }

            if (!patients.TryGetValue(parts[0], out Patient? patient))
            {
                throw new InvalidDataException($"{wav}: patient {parts[0]} is not in {tablePath}");
            }

            string tsv = Path.ChangeExtension(wav, ".tsv");
            result.Add(new RecordingInfo
            {
                Dataset = DatasetKind.CirCor,
                Id = id,
                PatientId = patient.GroupId,
                WavPath = wav,
                SubSet = "training_data",
                Abnormal = patient.Abnormal,
                Murmur = patient.Murmur,
                Location = location,
                AnnotationPath = File.Exists(tsv) ? tsv : null,
                MurmurHeardHere = patient.Murmur == MurmurStatus.Present ? patient.MurmurLocations.Contains(parts[1]) : null,
                SystolicMurmurTiming = patient.SystolicTiming,
                DiastolicMurmurTiming = patient.DiastolicTiming,
            });
        }

        return result;
    }

    private static Dictionary<string, Patient> ReadPatients(string path)
    {
        var patients = new Dictionary<string, Patient>(StringComparer.Ordinal);
        int[] columns = [];
        int additionalColumn = -1;
        int locationsColumn = -1;
        int systolicColumn = -1;
        int diastolicColumn = -1;
        int width = 0;
        foreach (DelimitedRow row in DelimitedFile.Read(path, ','))
        {
            if (columns.Length == 0)
            {
                width = row.Fields.Length;
                columns = [.. s_requiredColumns.Select(name => IndexOf(row.Fields, name))];
                for (int i = 0; i < columns.Length; i++)
                {
                    if (columns[i] < 0)
                    {
                        throw DelimitedFile.Error(path, row.LineNumber, $"header has no '{s_requiredColumns[i]}' column");
                    }
                }

                additionalColumn = IndexOf(row.Fields, "Additional ID");
                locationsColumn = IndexOf(row.Fields, "Murmur locations");
                systolicColumn = IndexOf(row.Fields, "Systolic murmur timing");
                diastolicColumn = IndexOf(row.Fields, "Diastolic murmur timing");
                continue;
            }

            if (row.Fields.Length != width)
            {
                throw DelimitedFile.Error(path, row.LineNumber, $"expected {width} fields as in the header but found {row.Fields.Length}");
            }

            string id = row.Fields[columns[0]].Trim();
            if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int numericId))
            {
                throw DelimitedFile.Error(path, row.LineNumber, $"Patient ID '{id}' is not a number");
            }

            MurmurStatus murmur = row.Fields[columns[1]].Trim() switch
            {
                "Present" => MurmurStatus.Present,
                "Absent" => MurmurStatus.Absent,
                "Unknown" => MurmurStatus.Unknown,
                string other => throw DelimitedFile.Error(path, row.LineNumber, $"Murmur '{other}' must be Present, Absent or Unknown"),
            };
            bool abnormal = row.Fields[columns[2]].Trim() switch
            {
                "Abnormal" => true,
                "Normal" => false,
                string other => throw DelimitedFile.Error(path, row.LineNumber, $"Outcome '{other}' must be Normal or Abnormal"),
            };

            string group = id;
            if (additionalColumn >= 0)
            {
                string additional = row.Fields[additionalColumn].Trim();
                if (additional.Length > 0 && !string.Equals(additional, "nan", StringComparison.OrdinalIgnoreCase))
                {
                    if (!int.TryParse(additional, NumberStyles.None, CultureInfo.InvariantCulture, out int numericAdditional))
                    {
                        throw DelimitedFile.Error(path, row.LineNumber, $"Additional ID '{additional}' is not a number");
                    }

                    group = Math.Min(numericId, numericAdditional).ToString(CultureInfo.InvariantCulture);
                }
            }

            string[] locations = locationsColumn < 0 || Missing(row.Fields[locationsColumn])
                ? []
                : row.Fields[locationsColumn].Trim().Split('+', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string? systolic = systolicColumn < 0 || Missing(row.Fields[systolicColumn]) ? null : row.Fields[systolicColumn].Trim();
            string? diastolic = diastolicColumn < 0 || Missing(row.Fields[diastolicColumn]) ? null : row.Fields[diastolicColumn].Trim();
            if (!patients.TryAdd(id, new Patient(group, murmur, abnormal, locations, systolic, diastolic)))
            {
                throw DelimitedFile.Error(path, row.LineNumber, $"Patient ID {id} is listed twice");
            }
        }

        if (columns.Length == 0)
        {
            throw DelimitedFile.Error(path, 1, "the file is empty (expected a header line)");
        }

        return patients;
    }

    private static int IndexOf(string[] header, string name)
    {
        for (int i = 0; i < header.Length; i++)
        {
            if (string.Equals(header[i].Trim(), name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Missing(string field)
    {
        string f = field.Trim();
        return f.Length == 0 || string.Equals(f, "nan", StringComparison.OrdinalIgnoreCase);
    }

    private sealed record Patient(string GroupId, MurmurStatus Murmur, bool Abnormal, string[] MurmurLocations, string? SystolicTiming, string? DiastolicTiming);
}
