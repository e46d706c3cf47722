using System.Runtime.CompilerServices;

namespace HeartStream.IntegrationTests;

/// <summary>Settings every process these tests start inherits.</summary>
internal static class TestEnvironment
{
    /// <summary>The web views take a free port (their default, 8088, would collide between parallel services).</summary>
    [ModuleInitializer]
    internal static void Initialize() => Environment.SetEnvironmentVariable("HEARTSTREAM_Web__Port", "0");
}
