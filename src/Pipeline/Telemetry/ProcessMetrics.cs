using System.Diagnostics;
using System.Globalization;
using Prometheus;

namespace HeartStream.Pipeline.Telemetry;

/// <summary>
/// The process_* and dotnet_* metrics the pipeline dashboard reads, under the names the other Prometheus clients use
/// (prometheus-net's own DotNetStats names some of them differently, e.g. process_working_set_bytes). Updated before
/// each collection.
/// </summary>
internal sealed class ProcessMetrics
{
    private readonly Counter _cpu;
    private readonly Gauge _resident;
    private readonly Gauge _heap;
    private readonly Counter _allocated;
    private readonly Counter.Child[] _collections;
    private readonly Gauge _threads;

    public ProcessMetrics(IMetricFactory factory)
    {
        Gauge startTime = factory.CreateGauge(
            "process_start_time_seconds", "Start time of the process since the Unix epoch in seconds.");
        _cpu = factory.CreateCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
        _resident = factory.CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
        _heap = factory.CreateGauge(
            "dotnet_gc_heap_size_bytes", "Bytes currently allocated on the managed heap, as the GC last measured it.");
        _allocated = factory.CreateCounter(
            "dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap since the process started.");
        Counter collections = factory.CreateCounter(
            "dotnet_gc_collections_total", "Garbage collections since the process started, by generation.", ["generation"]);
        _collections = [.. Enumerable.Range(0, GC.MaxGeneration + 1)
            .Select(g => collections.WithLabels(g.ToString(CultureInfo.InvariantCulture)))];
        _threads = factory.CreateGauge("dotnet_threadpool_threads", "Thread pool threads that currently exist.");

        using Process process = Process.GetCurrentProcess();
        startTime.Set((process.StartTime.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds);
    }

    public void Update()
    {
        _cpu.IncTo(Environment.CpuUsage.TotalTime.TotalSeconds);
        _resident.Set(Environment.WorkingSet);
        _heap.Set(GC.GetTotalMemory(forceFullCollection: false));
        _allocated.IncTo(GC.GetTotalAllocatedBytes(precise: false));
        for (int generation = 0; generation < _collections.Length; generation++)
        {
            _collections[generation].IncTo(GC.CollectionCount(generation));
        }

        _threads.Set(ThreadPool.ThreadCount);
    }
}
