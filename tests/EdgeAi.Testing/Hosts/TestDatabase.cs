using System.Globalization;
using Npgsql;

namespace EdgeAi.Testing.Hosts;

/// <summary>
/// A fresh PostgreSQL database for one hub (or one group of replicas), on the throw-away server that
/// <c>scripts/test-postgres.sh</c> starts and names in <see cref="EnvironmentVariable"/>; dropped on
/// dispose. Without the variable there is no PostgreSQL: <see cref="IsAvailable"/> is false and callers
/// run on SQLite (and say so).
/// </summary>
internal sealed class TestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "EDGEAI_TEST_POSTGRES";

    private TestDatabase(string serverConnectionString, string name)
    {
        ServerConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>The server's connection string from the environment, or null when no PostgreSQL was started.</summary>
    public static string? ServerFromEnvironment => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value ? value : null;

    public static bool IsAvailable => ServerFromEnvironment is not null;

    /// <summary>Why a PostgreSQL case does not run here, for a skip message.</summary>
    public static string Unavailable => $"no PostgreSQL: {EnvironmentVariable} is not set (scripts/test-postgres.sh start DIR prints its value; .ci/run sets it)";

    public string ServerConnectionString { get; }

    public string Name { get; }

    /// <summary>This database's connection string (for Hub:Store:ConnectionString).</summary>
    public string ConnectionString { get; }

    /// <summary>The hub settings that put its store in this database.</summary>
    public Dictionary<string, string?> HubSettings => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Hub:Store:Provider"] = "postgres",
        ["Hub:Store:ConnectionString"] = ConnectionString,
    };

    /// <summary>Creates an empty database with a name of its own on the environment's server.</summary>
    public static async Task<TestDatabase> CreateAsync(CancellationToken cancellationToken)
    {
        var server = ServerFromEnvironment ?? throw new InvalidOperationException(Unavailable);
        // Unique across test processes sharing the server; PostgreSQL names are at most 63 bytes.
        var name = string.Create(CultureInfo.InvariantCulture, $"edgeai_{Guid.NewGuid():N}");
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync(cancellationToken);
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
        return new TestDatabase(server, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        // FORCE: a hub killed with SIGKILL may leave its sessions for a moment.
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
