using System.Globalization;
using HeartStream.Training.Data;

namespace HeartStream.Training.Models;

/// <summary>The labelled recordings of a task in one split part, or from a labels CSV ("file,label" rows, file relative to the data folder).</summary>
public static class ClassifierCases
{
    /// <summary>The task's recordings whose patients fall in <paramref name="part"/> (null: all), with their labels.</summary>
    public static IReadOnlyList<(RecordingInfo Recording, int Label)> FromSplit(ClassificationTask task, string dataRoot, SplitPart? part)
    {
        IReadOnlyList<RecordingInfo> recordings = ClassificationTasks.Recordings(task, dataRoot);
        return [.. PatientSplit.Assign(recordings)
            .Where(a => part is null || a.Part == part)
            .Select(a => (a.Recording, ClassificationTasks.Label(task, a.Recording)))
            .Where(x => x.Item2 >= 0)];
    }

    /// <summary>
    /// Recordings listed in a CSV of "file,label" rows (a header row is skipped when its label is not a class);
    /// each file is its own patient. Throws <see cref="InvalidDataException"/> naming the row for an unknown label or missing file.
    /// </summary>
    public static IReadOnlyList<(RecordingInfo Recording, int Label)> FromCsv(ClassificationTask task, string dataRoot, string csvPath)
    {
        var result = new List<(RecordingInfo, int)>();
        int row = 0;
        foreach (string line in File.ReadLines(csvPath))
        {
            row++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string[] parts = line.Split(',');
            if (parts.Length < 2)
            {
                throw new InvalidDataException($"{csvPath} row {row}: expected 'file,label', got '{line}'");
            }

            int label = ClassificationTasks.ClassIndex(task, parts[^1]);
            if (label < 0)
            {
                if (row == 1)
                {
                    continue; // header
                }

                throw new InvalidDataException(
                    $"{csvPath} row {row}: label '{parts[^1].Trim()}' is not one of {string.Join(", ", ClassificationTasks.Classes(task))}");
            }

            string file = string.Join(',', parts[..^1]).Trim();
            string path = Path.IsPathRooted(file) ? file : Path.Combine(dataRoot, file);
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"{csvPath} row {row}: recording {path} does not exist");
            }

            string id = Path.GetFileNameWithoutExtension(path);
            result.Add((new RecordingInfo
            {
                Dataset = task switch { ClassificationTask.Murmur => DatasetKind.CirCor, ClassificationTask.Pascal => DatasetKind.Pascal, _ => DatasetKind.PhysioNet2016 },
                Id = id,
                PatientId = row.ToString(CultureInfo.InvariantCulture),
                WavPath = path,
                SubSet = "csv",
            }, label));
        }

        return result;
    }
}
