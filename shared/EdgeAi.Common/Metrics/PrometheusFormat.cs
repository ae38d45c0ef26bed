using System.Globalization;
using System.Text;

namespace EdgeAi.Common.Metrics;

/// <summary>The Prometheus text exposition format's rules for names, label values, HELP text and numbers.</summary>
public static class PrometheusFormat
{
    /// <summary>The content type of the text format, version 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// The family name of an instrument: its name with anything outside [a-zA-Z0-9_:] as '_', the unit as a
    /// suffix (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>) unless the name ends with it, and
    /// <c>_total</c> for a counter.
    /// </summary>
    public static string FamilyName(string instrument, string? unit, bool counter)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        var name = Sanitize(instrument, colonAllowed: true);
        if (name.EndsWith("_total", StringComparison.Ordinal))
        {
            name = name[..^"_total".Length];
        }
        var suffix = UnitSuffix(unit);
        if (suffix.Length > 0 && !name.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            name += "_" + suffix;
        }
        return counter ? name + "_total" : name;
    }

    /// <summary>A unit (UCUM, as System.Diagnostics.Metrics advises) as a name suffix; annotations such as <c>{request}</c> and <c>1</c> add none.</summary>
    public static string UnitSuffix(string? unit) => unit switch
    {
        null or "" or "1" => "",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "By" => "bytes",
        "%" => "percent",
        _ when unit.StartsWith('{') => "",
        _ => Sanitize(unit, colonAllowed: false).ToLowerInvariant(),
    };

    /// <summary>A label name: [a-zA-Z_][a-zA-Z0-9_]*, anything else as '_'.</summary>
    public static string LabelName(string key) => Sanitize(key, colonAllowed: false);

    /// <summary>A label value between double quotes: backslash, double quote and line feed escaped.</summary>
    public static string LabelValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>HELP text: backslash and line feed escaped (a double quote is literal there).</summary>
    public static string Help(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>A sample value: shortest round-trip form, <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.</summary>
    public static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Tags as the text between braces, in the order given; a null value is an empty string.</summary>
    public static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }
        var text = new StringBuilder();
        foreach (var (key, value) in tags)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }
            var rendered = value is bool b ? (b ? "true" : "false") : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            text.Append(LabelName(key)).Append("=\"").Append(LabelValue(rendered)).Append('"');
        }
        return text.ToString();
    }

    private static string Sanitize(string name, bool colonAllowed)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (colonAllowed && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            chars[i] = ok ? c : '_';
        }
        return chars.Length == 0 ? "_" : new string(chars);
    }
}
