using HeartStream.TestSupport;
using HeartStream.Training.Tests.Data;

namespace HeartStream.Training.Tests.Baseline;

/// <summary>
/// Builds a two-patient CirCor data folder from the recordings shipped in samples/ (.wav and .tsv copied unchanged)
/// with a hand-written patient table (their rows from CirCor's training_data.csv, reduced to the columns read).
/// The two patients sit in different murmur strata, so the patient-wise split puts both in Train.
/// </summary>
internal static class SampleCirCorData
{
    public static readonly string[] Ids = ["13918_AV", "46532_AV"];

    public static TempDataRoot Create()
    {
        var root = new TempDataRoot();
        root.Write("circor/training_data.csv", "Patient ID,Recording locations:,Murmur,Outcome,Campaign,Additional ID\n13918,AV+PV+TV+MV,Present,Abnormal,CC2015,nan\n46532,AV,Absent,Normal,CC2015,nan\n");
        Directory.CreateDirectory(Path.Combine(root.Path, "circor", "training_data"));
        foreach (string id in Ids)
        {
            foreach (string ext in new[] { ".wav", ".tsv" })
            {
                File.Copy(Path.Combine(RepoPaths.Samples, "circor", id + ext), WavPath(root, id, ext));
            }
        }

        return root;
    }

    public static string WavPath(TempDataRoot root, string id, string ext = ".wav") => Path.Combine(root.Path, "circor", "training_data", id + ext);

    /// <summary>Replaces a recording with its first 3000 bytes: a header that promises more data than the file holds.</summary>
    public static void Truncate(string path) => File.WriteAllBytes(path, File.ReadAllBytes(path).AsSpan(0, 3000).ToArray());
}
