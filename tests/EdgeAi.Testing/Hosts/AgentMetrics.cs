using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeAi.Testing.Hosts;

/// <summary>Reads numbers off an agent's /metrics page.</summary>
internal static partial class AgentMetrics
{
    public static async Task<double?> ReadAsync(HttpClient http, Uri agent, string name, string labels, CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync(new Uri(agent, "/metrics"), cancellationToken);
        foreach (Match match in MetricLine().Matches(text))
        {
            if (match.Groups["name"].Value == name && match.Groups["labels"].Value == labels)
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }
        return null;
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{(?<labels>[^}]*)\})? (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex MetricLine();
}
