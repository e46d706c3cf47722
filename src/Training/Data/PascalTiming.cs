using System.Globalization;
using HeartStream.Pipeline.Segmentation;

namespace HeartStream.Training.Data;

/// <summary>
/// Reads the hand-placed S1/S2 marks of PASCAL set A (<c>pascal/set_a_timing_4000hz.csv</c>: fname,cycle,sound,location
/// with location a sample index at 4000 Hz). Marks are points, so each becomes a <see cref="HeartSound"/> with
/// StartSeconds = EndSeconds = location / 4000.
/// </summary>
public static class PascalTiming
{
    public const string FileName = "set_a_timing_4000hz.csv";

    /// <summary>Sample rate the 4000 Hz timing file refers to.</summary>
    public const int SampleRate = 4000;

    /// <returns>Marks per recording Id (the file stem, as <see cref="RecordingInfo.Id"/>), each list in time order.</returns>
    public static IReadOnlyDictionary<string, IReadOnlyList<HeartSound>> Read(string dataRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataRoot);
        return ReadCsv(Path.Combine(Path.GetFullPath(dataRoot), PascalReader.FolderName, FileName), SampleRate);
    }

    /// <summary>Reads a timing table whose locations are sample indices at <paramref name="sampleRate"/>.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<HeartSound>> ReadCsv(string csvPath, int sampleRate)
    {
        ArgumentException.ThrowIfNullOrEmpty(csvPath);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        var marks = new SortedDictionary<string, List<HeartSound>>(StringComparer.Ordinal);
        foreach (DelimitedRow row in DelimitedFile.ReadWithHeader(csvPath, ',', "fname", "cycle", "sound", "location"))
        {
            string fname = row.Fields[0].Trim();
            if (fname.Length == 0)
            {
                throw DelimitedFile.Error(csvPath, row.LineNumber, "fname is empty");
            }

            _ = DelimitedFile.ParseInt(csvPath, row.LineNumber, row.Fields[1], "cycle");
            SoundType type = row.Fields[2].Trim() switch
            {
                "S1" => SoundType.S1,
                "S2" => SoundType.S2,
                string other => throw DelimitedFile.Error(csvPath, row.LineNumber, $"sound '{other}' must be S1 or S2"),
            };
            int location = DelimitedFile.ParseInt(csvPath, row.LineNumber, row.Fields[3], "location");
            if (location < 0)
            {
                throw DelimitedFile.Error(csvPath, row.LineNumber, $"location {location.ToString(CultureInfo.InvariantCulture)} must not be negative");
            }

            double seconds = (double)location / sampleRate;
            string id = Path.GetFileNameWithoutExtension(fname);
            if (!marks.TryGetValue(id, out List<HeartSound>? list))
            {
                list = [];
                marks.Add(id, list);
            }

            list.Add(new HeartSound(type, seconds, seconds));
        }

        var result = new Dictionary<string, IReadOnlyList<HeartSound>>(StringComparer.Ordinal);
        foreach ((string id, List<HeartSound> list) in marks)
        {
            list.Sort((a, b) => a.StartSeconds.CompareTo(b.StartSeconds));
            result.Add(id, list);
        }

        return result;
    }
}
