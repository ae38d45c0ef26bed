using System.Globalization;
using Microsoft.Extensions.Logging;

namespace EdgeAi.Testing.Logging;

/// <summary>One entry at Error or above, as a host logged it.</summary>
internal sealed record LoggedError(LogLevel Level, string Category, int EventId, string Message, string? Exception)
{
    /// <summary>As the console logger writes it: <c>fail: Category[EventId] message</c>, then the exception's first line.</summary>
    public override string ToString()
    {
        var level = Level == LogLevel.Critical ? "crit" : "fail";
        var line = string.Create(CultureInfo.InvariantCulture, $"{level}: {Category}[{EventId}] {Message}");
        return Exception is null ? line : $"{line}\n      {Exception.Split('\n', 2)[0].Trim()}";
    }
}
