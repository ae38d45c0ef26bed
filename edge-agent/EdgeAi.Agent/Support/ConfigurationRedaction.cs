using System.Text.RegularExpressions;

namespace EdgeAi.Agent.Support;

/// <summary>
/// The effective configuration with its secrets replaced by <see cref="Redacted"/>: the whole value of a key
/// whose last segment names a secret (key, password, secret, token, credential: DeviceKey, CertificatePassword,
/// ApiToken…), or whose parent does (a map of secrets such as DeviceKeys:{id}); a connection string's
/// <c>Password=</c>/<c>Pwd=</c>; a URL's user-info (<c>mqtts://user:pass@host</c>). Over-redacting is the safe
/// mistake, so a name that merely contains one of the words (Keyboard) is redacted too.
/// </summary>
internal static partial class ConfigurationRedaction
{
    public const string Redacted = "***";

    /// <summary>Every key with a value, in key order, redacted; and the secrets that were taken out, for scrubbing other text.</summary>
    public static (IReadOnlyList<KeyValuePair<string, string>> Values, IReadOnlySet<string> Secrets) Redact(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        var values = configuration.AsEnumerable()
            .Where(pair => pair.Value is not null)
            .OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase)
            .Select(pair => KeyValuePair.Create(pair.Key, Value(pair.Key, pair.Value!, secrets)))
            .ToList();
        return (values, secrets);
    }

    /// <summary>One value as it may be shown; what was taken out goes into <paramref name="secrets"/>.</summary>
    public static string Value(string key, string value, ISet<string>? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return value;
        }
        if (IsSecretKey(key))
        {
            secrets?.Add(value);
            return Redacted;
        }
        var redacted = ConnectionPassword().Replace(value, match => Take(match, secrets));
        return UserInfo().Replace(redacted, match => Take(match, secrets));
    }

    /// <summary>True when the key's last segment, or its parent's, names a secret.</summary>
    public static bool IsSecretKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var segments = key.Split(':');
        return SecretName().IsMatch(segments[^1]) || segments.Length > 1 && SecretName().IsMatch(segments[^2]);
    }

    /// <summary>Replaces every secret in <paramref name="text"/> (logs, check messages): what redaction took out of the configuration must not come back elsewhere.</summary>
    public static string Scrub(string text, IReadOnlySet<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(secrets);
        // Longest first, so a secret that contains another is replaced whole.
        foreach (var secret in secrets.Where(s => s.Length >= MinScrubLength).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Redacted, StringComparison.Ordinal);
        }
        return text;
    }

    // Shorter values ("1", "true") would blank out unrelated text; a real secret is longer.
    private const int MinScrubLength = 4;

    private static string Take(Match match, ISet<string>? secrets)
    {
        secrets?.Add(match.Value);
        return Redacted;
    }

    [GeneratedRegex("key|password|secret|token|credential", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();

    // The value of Password= or Pwd= in a connection string: quoted, or up to the next ';'.
    [GeneratedRegex("""(?<=(?:^|;)\s*(?:password|pwd)\s*=\s*)(?:"[^"]*"|'[^']*'|[^;\s][^;]*)""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionPassword();

    // The user-info of scheme://user:pass@host.
    [GeneratedRegex("""(?<=\b[a-z][a-z0-9+.-]*://)[^/?#@\s]+(?=@)""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();
}
