using System.Runtime.InteropServices;

namespace HeartStream.Pipeline.Mqtt.Native;

/// <summary>The two libc calls we need: SIGTERM for a graceful broker stop, shutdown() to simulate a lost link.</summary>
internal static partial class LibC
{
    internal const int SigTerm = 15;
    internal const int ShutdownReadWrite = 2;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    internal static partial int Shutdown(int socket, int how);
}
