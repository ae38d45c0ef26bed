using System.Diagnostics;

namespace EdgeAi.Common.Sync;

/// <summary>
/// The W3C trace contexts of a record batch, as MQTT 5 user properties: <c>traceparent</c> holds the first
/// record's context (as the W3C draft for trace context over MQTT puts it, so any MQTT-aware tracer picks it
/// up as the parent), <c>edgeai-trace-links</c> the other records' distinct contexts, comma-separated. A batch
/// serves many requests, so the hub links its ingest span to every one of them. Both sides share this class,
/// so the format is written once; it knows no MQTT library type.
/// </summary>
public static class TraceContextProperties
{
    public const string TraceParent = "traceparent";
    public const string Links = "edgeai-trace-links";

    /// <summary>At most this many contexts travel with one batch (the first plus links): bounds the packet and the span.</summary>
    public const int MaxContexts = 16;

    /// <summary>A version-00 traceparent: 2 + 1 + 32 + 1 + 16 + 1 + 2 characters.</summary>
    public const int TraceParentLength = 55;

    /// <summary>
    /// What the properties can add to a PUBLISH at most: per property its identifier byte and two
    /// length-prefixed UTF-8 strings.
    /// </summary>
    public const int MaxEncodedBytes =
        (1 + 2 + 11 + 2 + TraceParentLength) + (1 + 2 + 18 + 2 + ((MaxContexts - 1) * (TraceParentLength + 1)));

    /// <summary>The current activity's traceparent when it has a W3C id; null otherwise (no activity, or a hierarchical id).</summary>
    public static string? Current() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;

    /// <summary>True for a well-formed version-00 traceparent with non-zero ids (lower-case hex, as W3C requires).</summary>
    public static bool IsValid(string? traceParent)
    {
        if (traceParent is not { Length: TraceParentLength } || !traceParent.StartsWith("00-", StringComparison.Ordinal)
            || traceParent[35] != '-' || traceParent[52] != '-')
        {
            return false;
        }
        return IsHex(traceParent.AsSpan(3, 32)) && IsHex(traceParent.AsSpan(36, 16)) && IsHex(traceParent.AsSpan(53, 2))
            && traceParent.AsSpan(3, 32).ContainsAnyExcept('0') && traceParent.AsSpan(36, 16).ContainsAnyExcept('0');
    }

    /// <summary>
    /// The user properties for a batch whose records carried <paramref name="traceParents"/> (in record order,
    /// nulls for records without one): none when no record had a valid context.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Format(IEnumerable<string?> traceParents)
    {
        ArgumentNullException.ThrowIfNull(traceParents);
        var distinct = traceParents.Where(IsValid).Distinct(StringComparer.Ordinal).Take(MaxContexts).Cast<string>().ToList();
        if (distinct.Count == 0)
        {
            return [];
        }
        var properties = new List<KeyValuePair<string, string>>(2) { new(TraceParent, distinct[0]) };
        if (distinct.Count > 1)
        {
            properties.Add(new(Links, string.Join(',', distinct.Skip(1))));
        }
        return properties;
    }

    /// <summary>
    /// Reads a message's user properties: the parent (from <c>traceparent</c>) and every context to link to (the
    /// parent first, then <c>edgeai-trace-links</c>), at most <see cref="MaxContexts"/>. Anything malformed is
    /// skipped: a device's bad trace header must never cost it its records.
    /// </summary>
    public static TraceContexts Parse(IEnumerable<KeyValuePair<string, string?>>? properties)
    {
        if (properties is null)
        {
            return TraceContexts.None;
        }
        ActivityContext? parent = null;
        var links = new List<ActivityContext>();
        foreach (var (name, value) in properties)
        {
            if (name == TraceParent && parent is null && TryParse(value, out var context))
            {
                parent = context;
                links.Insert(0, context);
            }
            else if (name == Links && value is not null)
            {
                foreach (var part in value.Split(',', MaxContexts + 1, StringSplitOptions.TrimEntries).Take(MaxContexts))
                {
                    if (TryParse(part, out var link))
                    {
                        links.Add(link);
                    }
                }
            }
        }
        return links.Count == 0 ? TraceContexts.None : new TraceContexts(parent, [.. links.Distinct().Take(MaxContexts)]);
    }

    private static bool TryParse(string? value, out ActivityContext context)
    {
        context = default;
        return IsValid(value) && ActivityContext.TryParse(value, traceState: null, isRemote: true, out context);
    }

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private static bool IsHex(ReadOnlySpan<char> s) => !s.ContainsAnyExcept(LowerHex);
}

/// <summary>A batch's trace contexts: the parent for its span (null when only links came) and the contexts to link to.</summary>
public sealed record TraceContexts(ActivityContext? Parent, IReadOnlyList<ActivityContext> Links)
{
    public static TraceContexts None { get; } = new(null, []);
}
