using HeartStream.Training.Data;

namespace HeartStream.Training.Models;

/// <summary>Per task: where its recordings come from, its class names (in output order) and each recording's label.</summary>
public static class ClassificationTasks
{
    public static IReadOnlyList<string> Classes(ClassificationTask task) => task switch
    {
        ClassificationTask.Abnormal => ["normal", "abnormal"],
        ClassificationTask.Murmur => ["Present", "Unknown", "Absent"],
        ClassificationTask.Pascal => ["normal", "murmur", "extrahls", "extrastole", "artifact"],
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "unknown task"),
    };

    /// <summary>Registry name of the task's model.</summary>
    public static string ModelName(ClassificationTask task) => "classifier-" + task.ToString().ToLowerInvariant();

    /// <summary>The task's labelled recordings.</summary>
    public static IReadOnlyList<RecordingInfo> Recordings(ClassificationTask task, string dataRoot) => task switch
    {
        ClassificationTask.Abnormal => [.. PhysioNet2016Reader.Read(dataRoot).Where(r => r.Abnormal is not null)],
        ClassificationTask.Murmur => [.. CirCorReader.Read(dataRoot).Where(r => r.Murmur is not null)],
        ClassificationTask.Pascal => [.. PascalReader.Read(dataRoot).Where(r => r.PascalClass is not null)],
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "unknown task"),
    };

    /// <summary>The class index of a recording, or -1 when it has no label for the task.</summary>
    public static int Label(ClassificationTask task, RecordingInfo recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        return task switch
        {
            ClassificationTask.Abnormal => recording.Abnormal is bool a ? (a ? 1 : 0) : -1,
            ClassificationTask.Murmur => recording.Murmur switch
            {
                MurmurStatus.Present => 0,
                MurmurStatus.Unknown => 1,
                MurmurStatus.Absent => 2,
                _ => -1,
            },
            ClassificationTask.Pascal => recording.PascalClass switch
            {
                PascalClass.Normal => 0,
                PascalClass.Murmur => 1,
                PascalClass.ExtraHeartSound => 2,
                PascalClass.Extrastole => 3,
                PascalClass.Artifact => 4,
                _ => -1,
            },
            _ => throw new ArgumentOutOfRangeException(nameof(task), task, "unknown task"),
        };
    }

    /// <summary>The class index of a class name (case-insensitive), or -1.</summary>
    public static int ClassIndex(ClassificationTask task, string name)
    {
        IReadOnlyList<string> classes = Classes(task);
        for (int i = 0; i < classes.Count; i++)
        {
            if (string.Equals(classes[i], name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
