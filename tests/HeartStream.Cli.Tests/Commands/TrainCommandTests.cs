namespace HeartStream.Cli.Tests.Commands;

/// <summary><c>heartstream train segmenter</c> refuses a bad network shape or teacher with exit code 2, writing nothing.</summary>
public sealed class TrainCommandTests
{
    [Theory]
    [InlineData("--dilations 1,x,4", "--dilations must be comma-separated positive integers")]
    [InlineData("--dilations 1,0", "--dilations must be comma-separated positive integers")]
    [InlineData("--kernel 4", "--kernel must be odd and positive, got 4")]
    [InlineData("--future-frames -2", "--future-frames must be -1 (centred) or at least 0, got -2")]
    [InlineData("--teacher 9.9.9 --distill-weight 1.5", "--distill-weight must lie in 0..1, got 1.5")]
    [InlineData("--teacher 9.9.9 --distill-weight 0.5", "--teacher 9.9.9:")]
    [InlineData("--unlabelled physionet-abnormal", "--unlabelled needs --teacher")]
    public void TrainSegmenter_BadOption_ExitCode2NamingTheOption(string options, string message)
    {
        using var data = new TinyCirCorData();
        string models = Directory.CreateTempSubdirectory("heartstream-train-").FullName;
        try
        {
            CliResult r = Cli.Run(["train", "segmenter", "--data", data.Root, "--models", models, .. options.Split(' ')]);

            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(models));
        }
        finally
        {
            Directory.Delete(models, recursive: true);
        }
    }
}
