namespace HeartStream.TestSupport;

/// <summary>
/// Locates the repository root (the folder holding HeartStream.sln), the committed samples and
/// fixtures, and the shared data set that lives beside the clone (../shared/data).
/// </summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string Samples => Path.Combine(Root, "samples");

    public static string Models => Path.Combine(Root, "models");

    /// <summary>Fixture folder of one test project, e.g. Fixture("Capture.Tests", "resampler").</summary>
    public static string Fixtures(string testProject) => Path.Combine(Root, "tests", "HeartStream." + testProject, "Fixtures");

    /// <summary>
    /// The full data set, from HEARTSTREAM_DATA or ../shared/data beside the repository; null when absent,
    /// so tests that need it can say so clearly instead of failing obscurely.
    /// </summary>
    public static string? SharedData
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("HEARTSTREAM_DATA");
            if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
            {
                return env;
            }

            string candidate = Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));
            return Directory.Exists(candidate) ? candidate : null;
        }
    }

    private static string FindRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir, "HeartStream.sln")))
            {
                return dir;
            }

            dir = Path.GetDirectoryName(dir);
        }

        throw new InvalidOperationException("HeartStream.sln not found above " + AppContext.BaseDirectory);
    }
}
