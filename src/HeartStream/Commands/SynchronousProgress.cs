namespace HeartStream.Commands;

/// <summary>
/// Writes progress lines to stderr on the reporting thread, in order (<see cref="Progress{T}"/> posts to the thread
/// pool, which can print an epoch's line after the next message).
/// </summary>
internal sealed class SynchronousProgress : IProgress<string>
{
    public void Report(string value) => Console.Error.WriteLine(value);
}
