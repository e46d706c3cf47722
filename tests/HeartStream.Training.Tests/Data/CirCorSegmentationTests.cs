using HeartStream.Pipeline.Segmentation;
using HeartStream.Training.Data;
using HeartStream.Training.Evaluation;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Data;

public sealed class CirCorSegmentationTests(ITestOutputHelper output)
{
    // 0..0.1 unannotated, S1 0.1..0.2, systole 0.2..0.3, S2 0.3..0.36, diastole 0.36..0.5, unannotated 0.5..0.6; no final newline.
    private const string Fixture = "0\t0.1\t0\n0.1\t0.2\t1\n0.2\t0.3\t2\n0.3\t0.36\t3\n0.36\t0.5\t4\n0.5\t0.6\t0";

    [Fact]
    public void Read_Fixture_ReturnsSegments()
    {
        using var tmp = new TempDataRoot();
        string path = tmp.Write("a.tsv", Fixture);

        IReadOnlyList<CirCorSegment> segments = CirCorSegmentation.Read(path);

        Assert.Equal(6, segments.Count);
        Assert.Equal(new CirCorSegment(0.3, 0.36, CirCorSegment.S2), segments[3]);
        Assert.Equal(new CirCorSegment(0.5, 0.6, CirCorSegment.Unannotated), segments[5]);
    }

    [Fact]
    public void ToFrameLabels_Fixture_LabelsFramesByCentre()
    {
        var segments = new List<CirCorSegment>
        {
            new(0, 0.1, 0), new(0.1, 0.2, 1), new(0.2, 0.3, 2), new(0.3, 0.36, 3), new(0.36, 0.5, 4), new(0.5, 0.6, 0),
        };

        sbyte[] labels = CirCorSegmentation.ToFrameLabels(segments, 32);

        // Frame i has centre (i + 0.5) * 20 ms: frames 0-4 none, 5-9 S1, 10-14 systole, 15-17 S2, 18-24 diastole, 25.. none.
        sbyte[] expected =
        [
            -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, -1, -1, -1, -1, -1, -1, -1,
        ];
        Assert.Equal(expected, labels);
        Assert.Equal((int)HeartState.S2, labels[16]);
    }

    [Fact]
    public void ToFrameLabels_NoFrameCount_CoversLastSegment()
    {
        sbyte[] labels = CirCorSegmentation.ToFrameLabels([new CirCorSegment(0, 0.05, 1)]);

        Assert.Equal(new sbyte[] { 0, 0, -1 }, labels);
    }

    [Fact]
    public void ToHeartSounds_Fixture_MapsState1ToS1AndState3ToS2()
    {
        var segments = new List<CirCorSegment> { new(0.1, 0.2, 1), new(0.2, 0.3, 2), new(0.3, 0.36, 3), new(0.36, 0.5, 4), new(0.5, 0.6, 1) };

        IReadOnlyList<HeartSound> sounds = CirCorSegmentation.ToHeartSounds(segments);

        Assert.Equal([new HeartSound(SoundType.S1, 0.1, 0.2), new HeartSound(SoundType.S2, 0.3, 0.36), new HeartSound(SoundType.S1, 0.5, 0.6)], sounds);
    }

    [Fact]
    public void AnnotatedSpan_UnannotatedEdges_SpansFirstToLastAnnotated()
    {
        var segments = new List<CirCorSegment> { new(0, 0.1, 0), new(0.1, 0.2, 1), new(0.36, 0.5, 4), new(0.5, 0.6, 0) };

        AnnotatedSpan? span = CirCorSegmentation.AnnotatedSpan(segments);

        Assert.Equal(new AnnotatedSpan(0.1, 0.5), span);
        Assert.Null(CirCorSegmentation.AnnotatedSpan([new CirCorSegment(0, 1, 0)]));
    }

    [Theory]
    [InlineData("0\t0.1\t1\n0.1\t0.2\n", ":2:", "expected 3 tab-separated fields")]
    [InlineData("0\t0.1\t1\n0.1\t0.2\t7\n", ":2:", "state 7")]
    [InlineData("0\tabc\t1\n", ":1:", "end 'abc'")]
    [InlineData("0.2\t0.1\t1\n", ":1:", "0 <= start <= end")]
    [InlineData("0,0.1,1\n", ":1:", "expected 3 tab-separated fields")]
    [InlineData("0\t0.1\t1.5\n", ":1:", "state '1.5'")]
    public void Read_MalformedTsv_ThrowsNamingFileAndLine(string content, string line, string message)
    {
        using var tmp = new TempDataRoot();
        string path = tmp.Write("bad.tsv", content);

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => CirCorSegmentation.Read(path));

        Assert.StartsWith(path + line, ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RealData_AllFilesParseAndHaveSounds()
    {
        string? root = SharedDataSet.RootOrExplain(output);
        if (root is null)
        {
            return;
        }

        int s1 = 0;
        int s2 = 0;
        foreach (RecordingInfo recording in CirCorReader.Read(root).Where(r => r.AnnotationPath is not null))
        {
            IReadOnlyList<CirCorSegment> segments = CirCorSegmentation.Read(recording.AnnotationPath!);
            IReadOnlyList<HeartSound> sounds = CirCorSegmentation.ToHeartSounds(segments);
            Assert.NotNull(CirCorSegmentation.AnnotatedSpan(segments));
            s1 += sounds.Count(s => s.Type == SoundType.S1);
            s2 += sounds.Count(s => s.Type == SoundType.S2);
        }

        // Expected: state-1 and state-3 lines of every .tsv beside a recording, counted with a plain split (as awk would).
        (int lines1, int lines3) = StateLines(root);
        Assert.Equal(lines1, s1);
        Assert.Equal(lines3, s2);
        Assert.True(s1 > 10_000, $"{s1} S1");
    }

    internal static (int S1, int S2) StateLines(string root)
    {
        int s1 = 0, s2 = 0;
        foreach (string wav in Directory.GetFiles(Path.Combine(root, "circor", "training_data"), "*.wav"))
        {
            string tsv = Path.ChangeExtension(wav, ".tsv");
            if (!File.Exists(tsv))
            {
                continue;
            }

            foreach (string line in File.ReadLines(tsv))
            {
                string[] fields = line.Split('\t');
                s1 += fields.Length == 3 && fields[2].Trim() == "1" ? 1 : 0;
                s2 += fields.Length == 3 && fields[2].Trim() == "3" ? 1 : 0;
            }
        }

        return (s1, s2);
    }
}
