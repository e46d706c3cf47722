using System.Runtime.InteropServices;

namespace HeartStream.Pipeline.Tests.Features;

/// <summary>
/// CPU time of the calling thread (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)), so a throughput figure is not
/// inflated by other tests xunit runs in parallel; falls back to whole-process time elsewhere.
/// </summary>
internal static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    public static string Source => OperatingSystem.IsLinux() ? "thread CPU clock" : "process CPU time";

    public static double Seconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out TimeSpec t) == 0)
        {
            return t.Seconds + (t.Nanoseconds * 1e-9);
        }

        return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
