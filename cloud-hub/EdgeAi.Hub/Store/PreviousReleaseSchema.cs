using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Store;

/// <summary>
/// What a store made before migrations (EnsureCreated, then these CREATE TABLE IF NOT EXISTS statements
/// at each start) may lack to be the InitialCreate schema: the two tables variants added. A store of
/// the previous release is adopted by running them (idempotent: IF NOT EXISTS, the same DDL the
/// InitialCreate migration writes for these tables) and recording InitialCreate as applied; see
/// <see cref="StoreMigrator"/>. Frozen: a later schema change is a migration, never a line here.
/// </summary>
internal static class PreviousReleaseSchema
{
    private static readonly string[] Sqlite =
    [
        """
        CREATE TABLE IF NOT EXISTS "model_variants" (
            "name" TEXT NOT NULL, "version" TEXT NOT NULL, "variant" TEXT NOT NULL, "sha256" TEXT NOT NULL,
            "size_bytes" INTEGER NOT NULL, "signature" BLOB NOT NULL, "created_at_ms" INTEGER NOT NULL,
            "created_by" TEXT NOT NULL, "report" TEXT NULL,
            CONSTRAINT "PK_model_variants" PRIMARY KEY ("name", "version", "variant"))
        """,
        """
        CREATE TABLE IF NOT EXISTS "deployment_variants" (
            "deployment_id" INTEGER NOT NULL CONSTRAINT "PK_deployment_variants" PRIMARY KEY, "variant" TEXT NOT NULL)
        """,
    ];

    private static readonly string[] Postgres =
    [
        """
        CREATE TABLE IF NOT EXISTS model_variants (
            name character varying(128) NOT NULL, version character varying(128) NOT NULL, variant character varying(16) NOT NULL,
            sha256 character varying(64) NOT NULL, size_bytes bigint NOT NULL, signature bytea NOT NULL, created_at_ms bigint NOT NULL,
            created_by character varying(128) NOT NULL, report text,
            CONSTRAINT "PK_model_variants" PRIMARY KEY (name, version, variant))
        """,
        """
        CREATE TABLE IF NOT EXISTS deployment_variants (
            deployment_id bigint NOT NULL, variant character varying(16) NOT NULL,
            CONSTRAINT "PK_deployment_variants" PRIMARY KEY (deployment_id))
        """,
    ];

    public static IReadOnlyList<string> Statements(bool sqlite) => sqlite ? Sqlite : Postgres;

    public static async Task ApplyAsync(HubDbContext context, bool sqlite, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var statement in Statements(sqlite))
        {
            await context.Database.ExecuteSqlRawAsync(statement, cancellationToken).ConfigureAwait(false);
        }
    }
}
