using System.Globalization;
using System.Text;

namespace EdgeAi.Hub.Hosting;

/// <summary>Writes Prometheus text exposition lines (HELP, TYPE, samples) for the hub's /metrics.</summary>
internal static class PrometheusText
{
    public static void Counter(StringBuilder text, string name, string help, long value) => Metric(text, name, "counter", help, value);

    public static void Gauge(StringBuilder text, string name, string help, long value) => Metric(text, name, "gauge", help, value);

    public static void Header(StringBuilder text, string name, string type, string help)
    {
        ArgumentNullException.ThrowIfNull(text);
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
    }

    /// <summary>One labelled sample; label values are ids from [A-Za-z0-9._-] and loop names, nothing to escape.</summary>
    public static void Sample(StringBuilder text, string name, string labels, long value)
    {
        ArgumentNullException.ThrowIfNull(text);
        text.Append(CultureInfo.InvariantCulture, $"{name}{{{labels}}} {value}\n");
    }

    private static void Metric(StringBuilder text, string name, string type, string help, long value)
    {
        Header(text, name, type, help);
        text.Append(CultureInfo.InvariantCulture, $"{name} {value}\n");
    }
}
