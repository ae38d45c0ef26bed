using System.Globalization;

namespace EdgeAi.Bench;

/// <summary>
/// Agent configuration for every agent the benchmark starts, in process or as a separate process:
/// CPU only, the benchmark's threads, warnings-only logging. (Keys as in appsettings.json.)
/// </summary>
internal static class AgentSettings
{
    public static Dictionary<string, string?> For(string dataDirectory, int threads) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Agent:DataDirectory"] = dataDirectory,
        ["ModelHost:ExecutionProviders:0"] = "CPU",
        ["ModelHost:IntraOpThreads"] = threads.ToString(CultureInfo.InvariantCulture),
        ["ModelHost:InterOpThreads"] = "1",
        ["Logging:LogLevel:Default"] = "Warning",
    };
}
