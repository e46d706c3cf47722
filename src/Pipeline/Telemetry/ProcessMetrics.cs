using System.Diagnostics;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>The standard process_* metrics (same names as other Prometheus clients) plus a few dotnet_* ones.</summary>
internal static class ProcessMetrics
{
    private static readonly Lazy<double> s_startTimeSeconds = new(() =>
    {
        using Process process = Process.GetCurrentProcess();
        return (process.StartTime.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds;
    });

    public static void Write(TextWriter writer)
    {
        Gauge(writer, "process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.", s_startTimeSeconds.Value);
        Counter(writer, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", Environment.CpuUsage.TotalTime.TotalSeconds);
        Gauge(writer, "process_resident_memory_bytes", "Resident memory size in bytes.", Environment.WorkingSet);
        Gauge(writer, "dotnet_gc_heap_size_bytes", "Bytes currently allocated on the managed heap, as the GC last measured it.", GC.GetTotalMemory(forceFullCollection: false));
        Counter(writer, "dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap since the process started.", GC.GetTotalAllocatedBytes(precise: false));

        PrometheusText.WriteHeader(writer, "dotnet_gc_collections_total", "Garbage collections since the process started, by generation.", "counter");
        for (int generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            PrometheusText.WriteSample(writer, "dotnet_gc_collections_total", string.Empty, $"generation=\"{generation}\"", GC.CollectionCount(generation));
        }

        Gauge(writer, "dotnet_threadpool_threads", "Thread pool threads that currently exist.", ThreadPool.ThreadCount);
    }

    private static void Gauge(TextWriter writer, string name, string help, double value)
    {
        PrometheusText.WriteHeader(writer, name, help, "gauge");
        PrometheusText.WriteSample(writer, name, string.Empty, null, value);
    }

    private static void Counter(TextWriter writer, string name, string help, double value)
    {
        PrometheusText.WriteHeader(writer, name, help, "counter");
        PrometheusText.WriteSample(writer, name, string.Empty, null, value);
    }
}
