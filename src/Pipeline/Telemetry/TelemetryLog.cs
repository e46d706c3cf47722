using Microsoft.Extensions.Logging;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>Source-generated log messages of the exporter (rare events only, never per measurement).</summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(1, LogLevel.Warning, "Metric {Name} from meter {Meter} is not exported: the name is already used by another instrument.")]
    public static partial void DuplicateMetric(ILogger logger, string name, string meter);

    [LoggerMessage(2, LogLevel.Warning, "An observable instrument callback failed during a scrape; its values are missing from this scrape.")]
    public static partial void ObserveFailed(ILogger logger, Exception exception);
}
