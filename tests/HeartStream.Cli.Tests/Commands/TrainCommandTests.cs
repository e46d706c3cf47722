namespace HeartStream.Cli.Tests.Commands;

/// <summary><c>heartstream train segmenter</c> refuses a bad network shape before reading any data.</summary>
public sealed class TrainCommandTests
{
    [Theory]
    [InlineData("--dilations", "1,x,4", "--dilations must be comma-separated positive integers")]
    [InlineData("--dilations", "1,0", "--dilations must be comma-separated positive integers")]
    [InlineData("--kernel", "4", "--kernel must be odd and positive, got 4")]
    [InlineData("--future-frames", "-2", "--future-frames must be -1 (centred) or at least 0, got -2")]
    public void TrainSegmenter_BadShape_ExitCode2NamingTheOption(string option, string value, string message)
    {
        using var data = new TinyCirCorData();
        string models = Directory.CreateTempSubdirectory("heartstream-train-").FullName;
        try
        {
            CliResult r = Cli.Run(["train", "segmenter", "--data", data.Root, "--models", models, option, value]);

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
