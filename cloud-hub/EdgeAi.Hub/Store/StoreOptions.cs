using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Store;

/// <summary>Where fleet data (devices, synced records) lives: <c>Hub:Store</c>.</summary>
internal sealed class StoreOptions : IValidatableObject
{
    public const string Section = "Hub:Store";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>"sqlite" (embedded, default) or "postgres".</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>Empty: the SQLite file hub.db in Hub:DataDirectory. Required for postgres.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Most records written in one transaction; more wait for the next commit.</summary>
    [Range(1, 1_000_000)]
    public int MaxRecordsPerCommit { get; set; } = 20_000;

    /// <summary>
    /// Apply pending migrations when the hub starts (default). False: a hub whose store has pending
    /// migrations refuses to start; an operator applies them with <c>cloud-hub db migrate</c>.
    /// </summary>
    public bool MigrateOnStart { get; set; } = true;

    public bool IsSqlite => string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsSqlite && !string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"Provider '{Provider}' is not supported; use '{Sqlite}' or '{Postgres}'.", [nameof(Provider)]);
        }
        else if (!IsSqlite && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult("Provider 'postgres' needs Hub:Store:ConnectionString.", [nameof(ConnectionString)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class StoreOptionsValidator : IValidateOptions<StoreOptions>;
