using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Security;

/// <summary>How the device credential cache follows the store: <c>Hub:Credentials</c>.</summary>
internal sealed class CredentialOptions : IValidateOptions<CredentialOptions>
{
    public const string Section = "Hub:Credentials";

    public static readonly TimeSpan MinRefresh = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxRefresh = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often the cache is read again from the store: the longest a revocation made on another
    /// replica goes unnoticed here. (Enrollment on another replica is noticed at once: an unknown key
    /// is looked up in the store before it is refused.)
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    public ValidateOptionsResult Validate(string? name, CredentialOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.RefreshInterval < MinRefresh || options.RefreshInterval > MaxRefresh
            ? ValidateOptionsResult.Fail($"Hub:Credentials:RefreshInterval {options.RefreshInterval} must be from {MinRefresh} to {MaxRefresh}.")
            : ValidateOptionsResult.Success;
    }
}
