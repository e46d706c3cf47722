using HeartStream.TestSupport;
using Xunit.Abstractions;

namespace HeartStream.Training.Tests.Data;

/// <summary>
/// The real data set for tests that need it. When ../shared/data is absent the tests return early and say so in
/// their output (xunit 2 has no dynamic skip), instead of failing on a fresh clone.
/// </summary>
internal static class SharedDataSet
{
    public static string? RootOrExplain(ITestOutputHelper output)
    {
        string? root = RepoPaths.SharedData;
        if (root is null)
        {
            output.WriteLine("SKIPPED: the shared data set (../shared/data or HEARTSTREAM_DATA) is absent; this test checks the real data only.");
        }

        return root;
    }
}
