using System.Globalization;

namespace EdgeAi.Testing.Logging;

/// <summary>
/// An error a test provokes on purpose: its logger category and its event id, or its category and a
/// fragment of its message (or of its exception: a framework's general event says what went wrong only
/// there). Never a whole category or level: that would hide the errors nobody expected.
/// </summary>
internal sealed record ExpectedError
{
    public ExpectedError(string category, int? eventId, string? messageContains)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(category);
        if (eventId is null && string.IsNullOrEmpty(messageContains))
        {
            throw new ArgumentException($"an expected error of {category} needs its event id or a fragment of its message, not the whole category");
        }
        Category = category;
        EventId = eventId;
        MessageContains = messageContains;
    }

    public string Category { get; }

    public int? EventId { get; }

    public string? MessageContains { get; }

    public bool Matches(LoggedError entry) =>
        entry.Category == Category
        && (EventId is null || entry.EventId == EventId)
        && (MessageContains is null
            || entry.Message.Contains(MessageContains, StringComparison.Ordinal)
            || entry.Exception?.Contains(MessageContains, StringComparison.Ordinal) == true);

    public override string ToString() =>
        EventId is { } id
            ? string.Create(CultureInfo.InvariantCulture, $"{Category}[{id}]{(MessageContains is null ? "" : $" '{MessageContains}'")}")
            : $"{Category} '{MessageContains}'";
}
