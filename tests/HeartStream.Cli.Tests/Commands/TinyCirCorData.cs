using HeartStream.TestSupport;

namespace HeartStream.Cli.Tests.Commands;

/// <summary>
/// A throw-away data folder laid out like ../shared/data with only the two CirCor recordings shipped in samples/
/// (their .wav and .tsv copied unchanged) and a hand-written patient table holding those two patients' rows
/// (values as in CirCor's training_data.csv: 13918 murmur Present / Abnormal, 46532 Absent / Normal).
/// </summary>
internal sealed class TinyCirCorData : IDisposable
{
    public TinyCirCorData()
    {
        Root = Path.Combine(Path.GetTempPath(), "heartstream-cli-data-" + Guid.NewGuid().ToString("N"));
        string audio = Path.Combine(Root, "circor", "training_data");
        Directory.CreateDirectory(audio);
        File.WriteAllText(
            Path.Combine(Root, "circor", "training_data.csv"),
            "Patient ID,Recording locations:,Murmur,Outcome,Campaign,Additional ID\n13918,AV+PV+TV+MV,Present,Abnormal,CC2015,nan\n46532,AV,Absent,Normal,CC2015,nan\n");
        foreach (string id in new[] { "13918_AV", "46532_AV" })
        {
            File.Copy(Path.Combine(RepoPaths.Samples, "circor", id + ".wav"), Path.Combine(audio, id + ".wav"));
            File.Copy(Path.Combine(RepoPaths.Samples, "circor", id + ".tsv"), Path.Combine(audio, id + ".tsv"));
        }
    }

    public string Root { get; }

    public string AudioFolder => Path.Combine(Root, "circor", "training_data");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
