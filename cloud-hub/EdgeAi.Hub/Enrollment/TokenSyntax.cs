using System.Diagnostics.CodeAnalysis;
using EdgeAi.Hub.Admin;

namespace EdgeAi.Hub.Enrollment;

/// <summary>
/// What an admin writes when making a token: its lifetime (a <see cref="DurationSyntax"/> duration) and
/// its tags ("site=lobby,kind=camera"). One parser for the REST API and the CLI, with errors that say
/// what was expected.
/// </summary>
internal static class TokenSyntax
{
    public const string TagsForm = "key=value pairs separated by commas (site=lobby,kind=camera)";
    public const string KeyForm = "1 to 63 characters from [A-Za-z0-9._/-], starting with a letter or digit";
    public const string ValueForm = "1 to 128 characters from [A-Za-z0-9._:/@-]";
    public const int MaxTags = 32;
    public const int MaxUses = 1_000_000;
    public const int DefaultUses = 1;
    public const string DefaultExpiresIn = "24h";

    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(365);

    /// <summary>Checks a token request from the admin API, defaults filled in; a refusal names the field and what it must be.</summary>
    public static Outcome<TokenSpec> Check(CreateTokenRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryValidateTags(request.Tags, out var tags, out var tagError))
        {
            return Refusal.Invalid("Bad tags", $"'tags': {tagError}");
        }
        var uses = request.Uses ?? DefaultUses;
        if (uses is < 1 or > MaxUses)
        {
            return Refusal.Invalid("Bad uses", $"'uses' is {uses}; it must be a whole number from 1 to {MaxUses}");
        }
        if (!TryParseLifetime(request.ExpiresIn ?? DefaultExpiresIn, out var lifetime, out var durationError))
        {
            return Refusal.Invalid("Bad expiresIn", $"'expiresIn' {durationError}");
        }
        return new TokenSpec(tags, uses, lifetime);
    }

    /// <summary>A positive lifetime up to <see cref="MaxLifetime"/>, in <see cref="DurationSyntax"/>; false with a message that names the expected form.</summary>
    public static bool TryParseLifetime(string? text, out TimeSpan lifetime, [NotNullWhen(false)] out string? error)
    {
        if (!DurationSyntax.TryParse(text, out lifetime, out error))
        {
            return false;
        }
        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            error = $"'{text!.Trim()}' must be more than zero and at most {DurationSyntax.Format(MaxLifetime)}";
            return false;
        }
        return true;
    }

    /// <summary>Parses "k=v,k2=v2" (empty or null: no tags); false with a message naming the bad pair.</summary>
    public static bool TryParseTags(string? text, out Dictionary<string, string> tags, [NotNullWhen(false)] out string? error)
    {
        tags = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        foreach (var pair in text.Split(','))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                error = $"'{pair.Trim()}' has no '='; expected {TagsForm}";
                return false;
            }
            var key = pair[..equals].Trim();
            var value = pair[(equals + 1)..].Trim();
            if (!TryAdd(tags, key, value, out error))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Checks tags given as a JSON object (REST), with the same rules as <see cref="TryParseTags"/>.</summary>
    public static bool TryValidateTags(IReadOnlyDictionary<string, string>? given, out Dictionary<string, string> tags, [NotNullWhen(false)] out string? error)
    {
        tags = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        foreach (var (key, value) in given ?? new Dictionary<string, string>())
        {
            if (!TryAdd(tags, key, value ?? "", out error))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>"k=v,k2=v2", keys in order: how the CLI shows tags.</summary>
    public static string Format(IReadOnlyDictionary<string, string>? tags) =>
        tags is null || tags.Count == 0 ? "-" : string.Join(',', tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));

    private static bool TryAdd(Dictionary<string, string> tags, string key, string value, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (!IsKey(key))
        {
            error = $"tag key '{key}' is not valid; a key is {KeyForm}";
        }
        else if (!IsValue(value))
        {
            error = $"tag '{key}' has value '{value}'; a value is {ValueForm}";
        }
        else if (!tags.TryAdd(key, value))
        {
            error = $"tag '{key}' is given twice";
        }
        else if (tags.Count > MaxTags)
        {
            error = $"more than {MaxTags} tags";
        }
        return error is null;
    }

    private static bool IsKey(string key) =>
        key.Length is > 0 and <= 63 && char.IsAsciiLetterOrDigit(key[0]) && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '/' or '-');

    private static bool IsValue(string value) =>
        value.Length is > 0 and <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '/' or '@' or '-');
}

/// <summary>A checked token request: its tags, how many devices may enroll with it, and for how long.</summary>
internal sealed record TokenSpec(IReadOnlyDictionary<string, string> Tags, int Uses, TimeSpan Lifetime);
