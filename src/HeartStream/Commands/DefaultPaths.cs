namespace HeartStream.Commands;

/// <summary>Where the shipped models and the shared data set are found when no option names them.</summary>
internal static class DefaultPaths
{
    /// <summary>The baseline segmenter parameters copied next to the executable at build time from models/.</summary>
    public static string BaselineParameters => Path.Combine(AppContext.BaseDirectory, "models", "baseline", "segmenter.json");

    /// <summary>The model registry copied next to the executable at build time from models/.</summary>
    public static string Models => Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>Registry name of the neural segmenter, the default segmenter when it is present.</summary>
    public const string SegmenterModelName = "segmenter-tcn";

    /// <summary>../shared/data beside the repository (found by walking up from the working directory), or HEARTSTREAM_DATA.</summary>
    public static string SharedData
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("HEARTSTREAM_DATA");
            if (!string.IsNullOrEmpty(env))
            {
                return env;
            }

            for (string? dir = Directory.GetCurrentDirectory(); dir is not null; dir = Path.GetDirectoryName(dir))
            {
                string candidate = Path.Combine(dir, "..", "shared", "data");
                if (File.Exists(Path.Combine(dir, "HeartStream.sln")) && Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }

            return Path.GetFullPath(Path.Combine("..", "shared", "data"));
        }
    }
}
