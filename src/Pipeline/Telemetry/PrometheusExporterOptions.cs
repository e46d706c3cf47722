namespace HeartStream.Pipeline.Telemetry;

/// <summary>What <see cref="PrometheusTextExporter"/> collects.</summary>
public sealed class PrometheusExporterOptions
{
    /// <summary>Meters whose instruments are exported (exact names); by default only HeartStream's own.</summary>
    public IList<string> MeterNames { get; } = [HeartStreamMetrics.MeterName];

    /// <summary>Whether to add the standard process_* and dotnet_* metrics of this process.</summary>
    public bool IncludeProcessMetrics { get; set; } = true;

    /// <summary>
    /// Most label combinations kept per synchronous instrument; measurements with new combinations beyond this are
    /// dropped (and counted in <see cref="PrometheusTextExporter.DroppedMeasurements"/>), so a label bug cannot
    /// exhaust memory.
    /// </summary>
    public int MaxSeriesPerMetric { get; set; } = 1000;
}
