using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace EdgeAi.Hub.Admin;

/// <summary>
/// The one way a person writes a duration to the hub, for every CLI flag and admin REST field that
/// takes one (<c>--expires</c>/<c>expiresIn</c>, <c>--health-timeout</c>/<c>healthTimeout</c>):
/// a whole number with a unit (<c>30s</c>, <c>5m</c>, <c>12h</c>, <c>7d</c>, <c>500ms</c>), units
/// combined largest first (<c>1h30m</c>), or a TimeSpan with a colon (<c>1.12:00:00</c>). A bare
/// number is refused: "5" meant five days to TimeSpan and nothing to the token parser, so it means
/// nothing here and the error lists what does.
/// </summary>
internal static class DurationSyntax
{
    public const string Forms = "a whole number with a unit: 30s, 5m, 12h, 7d, 500ms, combined largest first as in 1h30m, or d.hh:mm:ss as in 1.12:00:00";

    // Units largest first; a duration names each at most once, in this order.
    private static readonly (string Unit, long Ticks)[] Units =
    [
        ("d", TimeSpan.TicksPerDay),
        ("h", TimeSpan.TicksPerHour),
        ("ms", TimeSpan.TicksPerMillisecond),
        ("m", TimeSpan.TicksPerMinute),
        ("s", TimeSpan.TicksPerSecond),
    ];

    private static readonly string[] Order = ["d", "h", "m", "s", "ms"];

    /// <summary>Parses a duration of zero or more; false with a message that quotes the text and lists the accepted forms.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, [NotNullWhen(false)] out string? error)
    {
        duration = default;
        var trimmed = text?.Trim() ?? "";
        error = trimmed.Length == 0 ? $"is empty; expected {Forms}"
            : trimmed.Contains(':', StringComparison.Ordinal) ? ParseTimeSpan(trimmed, out duration)
            : ParseUnits(trimmed, out duration);
        return error is null;
    }

    /// <summary>How a duration is shown back: the largest units that hold it exactly (90s is 1m30s, 7 days 7d).</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }
        var text = duration < TimeSpan.Zero ? "-" : "";
        var ticks = Math.Abs(duration.Ticks);
        foreach (var unit in Order)
        {
            var size = Units.First(u => u.Unit == unit).Ticks;
            if (ticks >= size)
            {
                text += string.Create(CultureInfo.InvariantCulture, $"{ticks / size}{unit}");
                ticks %= size;
            }
        }
        return ticks == 0 ? text : duration.ToString("c", CultureInfo.InvariantCulture);
    }

    private static string? ParseTimeSpan(string text, out TimeSpan duration)
    {
        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration))
        {
            return $"'{text}' is not a duration; expected {Forms}";
        }
        return duration < TimeSpan.Zero ? $"'{text}' is negative; expected {Forms}" : null;
    }

    private static string? ParseUnits(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            return $"'{text}' has no unit; expected {Forms}";
        }
        Int128 ticks = 0;
        var last = -1;
        var position = 0;
        while (position < text.Length)
        {
            var start = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }
            var digits = position - start;
            var unit = Units.FirstOrDefault(u => string.Compare(text, position, u.Unit, 0, u.Unit.Length, StringComparison.OrdinalIgnoreCase) == 0);
            var rank = unit.Unit is null ? -1 : Array.IndexOf(Order, unit.Unit);
            if (digits is 0 or > 18 || unit.Unit is null || rank <= last)
            {
                return $"'{text}' is not a duration; expected {Forms}";
            }
            ticks += Int128.Parse(text.AsSpan(start, digits), NumberStyles.None, CultureInfo.InvariantCulture) * unit.Ticks;
            last = rank;
            position += unit.Unit.Length;
        }
        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            return $"'{text}' is longer than any duration the hub can hold";
        }
        duration = TimeSpan.FromTicks((long)ticks);
        return null;
    }
}
