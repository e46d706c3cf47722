using HeartStream.Commands;
using Xunit.Abstractions;

namespace HeartStream.Cli.Tests.Commands;

/// <summary><c>heartstream bench alerts</c>: age groups, the annotation-derived rate, and a run on the two-recording folder.</summary>
public sealed class BenchAlertsCommandTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Neonate", "False", "neonate", "neonate")]
    [InlineData("Infant", "False", "infant", "infant")]
    [InlineData("Child", "False", "child", "child")]
    [InlineData("Adolescent", "False", "adolescent", "adolescent")]
    [InlineData("nan", "True", "adult (pregnant)", "adult")]
    [InlineData("", "", "child (age unknown)", "paediatric")]
    public void CirCorAgeGroup_CirCorValues_AgeAppropriateProfile(string age, string pregnant, string group, string profile)
    {
        Assert.Equal((group, profile), BenchAlertsCommand.CirCorAgeGroup(age, pregnant));
    }

    [Fact]
    public void AnnotatedHeartRate_S1Every500MsWithOneMissed_120BpmFromMedian()
    {
        // Synthetic S1 onsets every 0.5 s with one missing (a 1.0 s interval): the median ignores it, like the vitals.
        List<double> s1 = [.. Enumerable.Range(0, 30).Where(i => i != 10).Select(i => i * 0.5)];
        Assert.Equal(120, AlertBench.AnnotatedHeartRate(s1, 14.0)!.Value, 6);
        Assert.Null(AlertBench.AnnotatedHeartRate([1.0, 1.5], 14.0));
    }

    [Fact]
    public void ReadS1Starts_SampleAnnotation_OnlyStateOneInOrder()
    {
        List<double> s1 = AlertBench.ReadS1Starts(Cli.Sample("circor/13918_AV.tsv"));
        Assert.Equal(1.14675, s1[0], 6); // the first S1 row of the file
        Assert.True(s1.Count > 10);
        Assert.Equal(s1.Order(), s1);
    }

    [Fact]
    public void BenchAlerts_TinyCirCor_TablesByDataSetAndAgeGroupAndEvidence()
    {
        using var data = new TinyCirCorData();
        CliResult r = Cli.Run(["bench", "alerts", "--data", data.Root, "--evidence"]);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("by data set", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("by age group (profile)", r.Stdout, StringComparison.Ordinal);
        // Only 46532 is murmur Absent / outcome Normal; this table has no Age column, so the age is unknown.
        Assert.Matches(@"child \(age unknown\) \(paediatric\)\s+1\s", r.Stdout);
        Assert.Contains("rate alerts vs annotation:", r.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stationary", "20 s of stationary noise with the spectrum and RMS of the recording's own diastoles")]
    [InlineData("diastoles", "20 s of the recording's own diastolic noise")]
    public void BenchAlerts_NoHeartSoundsNoiseKind_NamedInTheReport(string noise, string text)
    {
        using var data = new TinyCirCorData();
        CliResult r = Cli.Run(["bench", "alerts", "--data", data.Root, "--no-heart-sounds", "--noise", noise]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains(text, r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchAlerts_UnknownNoiseKind_Refused()
    {
        using var data = new TinyCirCorData();
        CliResult r = Cli.Run(["bench", "alerts", "--data", data.Root, "--no-heart-sounds", "--noise", "pink"]);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("'pink'", r.Stderr + r.Stdout, StringComparison.Ordinal);
    }
}
