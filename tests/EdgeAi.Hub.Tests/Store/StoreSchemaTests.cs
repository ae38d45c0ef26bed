using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Tests.Store;

/// <summary>
/// The store's model on either provider: the tables, columns, key and index names the ingest writer's
/// raw SQL (IngestSql) names and previous-release stores (made by EnsureCreated) have, which InitialCreate
/// writes and later migrations add to; and the migrations are the model, so no change waits for one.
/// A schema change is a new migration per provider (dotnet ef migrations add, see Store/DesignTimeFactories.cs).
/// </summary>
public sealed class StoreSchemaTests
{
    [Fact]
    public void CreateScript_Sqlite_IsTheSchemaExistingDataDirectoriesHave()
    {
        using var db = SqliteContext();

        Lines(db.Database.GenerateCreateScript()).ShouldBe(Lines(Sqlite));
    }

    [Fact]
    public void CreateScript_Postgres_IsTheSchemaExistingDatabasesHave()
    {
        using var db = PostgresContext();

        Lines(db.Database.GenerateCreateScript()).ShouldBe(Lines(Postgres));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PreviousReleaseSchema_Statements_CreateExactlyWhatTheModelWrites(bool sqlite)
    {
        using HubDbContext db = sqlite ? SqliteContext() : PostgresContext();
        var script = db.Database.GenerateCreateScript();

        var statements = PreviousReleaseSchema.Statements(sqlite);

        statements.Count.ShouldBe(2);
        foreach (var table in new[] { "model_variants", "deployment_variants" })
        {
            var created = script.Split(';').Select(Squash).Single(t => t.StartsWith(Squash($"CREATE TABLE {Quote(table, sqlite)} ("), StringComparison.Ordinal));
            statements.Select(st => Squash(st.Replace("IF NOT EXISTS ", "", StringComparison.Ordinal))).ShouldContain(created, $"the upgrade's {table}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Migrations_Model_HaveNoPendingChanges(bool sqlite)
    {
        // What MigrateAsync would refuse at start (PendingModelChangesWarning): a model change without its migration.
        using HubDbContext db = sqlite ? SqliteContext() : PostgresContext();

        db.Database.HasPendingModelChanges().ShouldBeFalse("the model changed: add a migration (README: dotnet ef migrations add) for each provider");
        db.Database.GetMigrations().First().ShouldEndWith("_InitialCreate");
    }

    private static SqliteHubDbContext SqliteContext() => new(new DbContextOptionsBuilder().UseSqlite("Data Source=:memory:").Options);

    // Neither creating the script nor reading the migrations needs a server.
    private static PostgresHubDbContext PostgresContext() => new(new DbContextOptionsBuilder().UseNpgsql("Host=localhost").Options);

    private static string Quote(string table, bool sqlite) => sqlite ? $"\"{table}\"" : table;

    private static string Squash(string sql) => new([.. sql.Where(c => !char.IsWhiteSpace(c))]);

    private static string[] Lines(string script) =>
        [.. script.ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0)];

    private const string Sqlite = """
        CREATE TABLE "audit" (
            "id" INTEGER NOT NULL CONSTRAINT "PK_audit" PRIMARY KEY AUTOINCREMENT,
            "at_ms" INTEGER NOT NULL,
            "actor" TEXT NOT NULL,
            "action" TEXT NOT NULL,
            "target" TEXT NOT NULL,
            "detail" TEXT NULL
        );


        CREATE TABLE "deployment_targets" (
            "deployment_id" INTEGER NOT NULL,
            "device_id" TEXT NOT NULL,
            "wave" INTEGER NOT NULL,
            "state" TEXT NOT NULL,
            "revision" INTEGER NULL,
            "previous_version" TEXT NULL,
            "previous_deployment_id" INTEGER NULL,
            "previous_routing_policy" TEXT NULL,
            "message" TEXT NULL,
            "updated_at_ms" INTEGER NOT NULL,
            CONSTRAINT "PK_deployment_targets" PRIMARY KEY ("deployment_id", "device_id")
        );


        CREATE TABLE "deployment_variants" (
            "deployment_id" INTEGER NOT NULL CONSTRAINT "PK_deployment_variants" PRIMARY KEY,
            "variant" TEXT NOT NULL
        );


        CREATE TABLE "deployments" (
            "id" INTEGER NOT NULL CONSTRAINT "PK_deployments" PRIMARY KEY AUTOINCREMENT,
            "model" TEXT NOT NULL,
            "version" TEXT NOT NULL,
            "routing_policy" TEXT NOT NULL,
            "selector" TEXT NOT NULL,
            "strategy" TEXT NOT NULL,
            "waves" TEXT NOT NULL,
            "health_timeout_ms" INTEGER NOT NULL,
            "max_error_rate" REAL NOT NULL,
            "min_healthy_share" REAL NOT NULL,
            "state" TEXT NOT NULL,
            "message" TEXT NULL,
            "current_wave" INTEGER NOT NULL,
            "wave_started_at_ms" INTEGER NULL,
            "wave_elapsed_ms" INTEGER NOT NULL,
            "halted_wave" INTEGER NULL,
            "created_at_ms" INTEGER NOT NULL,
            "created_by" TEXT NOT NULL,
            "updated_at_ms" INTEGER NOT NULL
        );


        CREATE TABLE "device_desired_models" (
            "device_id" TEXT NOT NULL,
            "model" TEXT NOT NULL,
            "version" TEXT NOT NULL,
            "routing_policy" TEXT NOT NULL,
            "deployment_id" INTEGER NOT NULL,
            CONSTRAINT "PK_device_desired_models" PRIMARY KEY ("device_id", "model")
        );


        CREATE TABLE "devices" (
            "id" TEXT NOT NULL CONSTRAINT "PK_devices" PRIMARY KEY,
            "first_seen_at_ms" INTEGER NOT NULL,
            "last_seen_at_ms" INTEGER NOT NULL,
            "online" INTEGER NOT NULL,
            "agent_version" TEXT NULL,
            "status_at_ms" INTEGER NULL,
            "started_at_ms" INTEGER NULL,
            "last_offline_reason" TEXT NULL,
            "tags" TEXT NULL,
            "key_hash" TEXT NULL,
            "enrolled_at_ms" INTEGER NULL,
            "revoked_at_ms" INTEGER NULL,
            "desired_revision" INTEGER NULL,
            "reported" BLOB NULL,
            "reported_at_ms" INTEGER NULL,
            "desired_config" TEXT NULL
        );


        CREATE TABLE "enrollment_tokens" (
            "id" TEXT NOT NULL CONSTRAINT "PK_enrollment_tokens" PRIMARY KEY,
            "secret_hash" TEXT NOT NULL,
            "tags" TEXT NOT NULL,
            "max_uses" INTEGER NOT NULL,
            "uses" INTEGER NOT NULL,
            "expires_at_ms" INTEGER NOT NULL,
            "created_at_ms" INTEGER NOT NULL,
            "created_by" TEXT NOT NULL,
            "revoked_at_ms" INTEGER NULL
        );


        CREATE TABLE "hub_cursors" (
            "name" TEXT NOT NULL CONSTRAINT "PK_hub_cursors" PRIMARY KEY,
            "position" INTEGER NOT NULL
        );

        CREATE TABLE "leases" (
            "name" TEXT NOT NULL CONSTRAINT "PK_leases" PRIMARY KEY,
            "holder" TEXT NOT NULL,
            "epoch" INTEGER NOT NULL,
            "expires_at_ms" INTEGER NOT NULL
        );


        CREATE TABLE "model_variants" (
            "name" TEXT NOT NULL,
            "version" TEXT NOT NULL,
            "variant" TEXT NOT NULL,
            "sha256" TEXT NOT NULL,
            "size_bytes" INTEGER NOT NULL,
            "signature" BLOB NOT NULL,
            "created_at_ms" INTEGER NOT NULL,
            "created_by" TEXT NOT NULL,
            "report" TEXT NULL,
            CONSTRAINT "PK_model_variants" PRIMARY KEY ("name", "version", "variant")
        );


        CREATE TABLE "models" (
            "name" TEXT NOT NULL,
            "version" TEXT NOT NULL,
            "sha256" TEXT NOT NULL,
            "size_bytes" INTEGER NOT NULL,
            "signature" BLOB NOT NULL,
            "inputs" TEXT NOT NULL,
            "outputs" TEXT NOT NULL,
            "created_at_ms" INTEGER NOT NULL,
            "created_by" TEXT NOT NULL,
            CONSTRAINT "PK_models" PRIMARY KEY ("name", "version")
        );


        CREATE TABLE "records" (
            "id" INTEGER NOT NULL CONSTRAINT "PK_records" PRIMARY KEY AUTOINCREMENT,
            "device_id" TEXT NOT NULL,
            "stream" TEXT NOT NULL,
            "epoch" INTEGER NOT NULL,
            "seq" INTEGER NOT NULL,
            "created_at_ms" INTEGER NOT NULL,
            "received_at_ms" INTEGER NOT NULL,
            "body" BLOB NOT NULL
        );


        CREATE INDEX "ix_audit_at" ON "audit" ("at_ms");


        CREATE INDEX "ix_deployment_targets_device" ON "deployment_targets" ("device_id");


        CREATE INDEX "ix_deployments_model_state" ON "deployments" ("model", "state");


        CREATE INDEX "ix_device_desired_models_model_version" ON "device_desired_models" ("model", "version");


        CREATE INDEX "ix_records_device_stream_created" ON "records" ("device_id", "stream", "created_at_ms");


        CREATE UNIQUE INDEX "ux_records_device_stream_epoch_seq" ON "records" ("device_id", "stream", "epoch", "seq");
        """;

    private const string Postgres = """
        CREATE TABLE audit (
            id bigint GENERATED BY DEFAULT AS IDENTITY,
            at_ms bigint NOT NULL,
            actor character varying(128) NOT NULL,
            action character varying(64) NOT NULL,
            target character varying(256) NOT NULL,
            detail text,
            CONSTRAINT "PK_audit" PRIMARY KEY (id)
        );


        CREATE TABLE deployment_targets (
            deployment_id bigint NOT NULL,
            device_id character varying(64) NOT NULL,
            wave integer NOT NULL,
            state character varying(16) NOT NULL,
            revision bigint,
            previous_version character varying(128),
            previous_deployment_id bigint,
            previous_routing_policy character varying(32),
            message text,
            updated_at_ms bigint NOT NULL,
            CONSTRAINT "PK_deployment_targets" PRIMARY KEY (deployment_id, device_id)
        );


        CREATE TABLE deployment_variants (
            deployment_id bigint NOT NULL,
            variant character varying(16) NOT NULL,
            CONSTRAINT "PK_deployment_variants" PRIMARY KEY (deployment_id)
        );


        CREATE TABLE deployments (
            id bigint GENERATED BY DEFAULT AS IDENTITY,
            model character varying(128) NOT NULL,
            version character varying(128) NOT NULL,
            routing_policy character varying(32) NOT NULL,
            selector text NOT NULL,
            strategy character varying(16) NOT NULL,
            waves text NOT NULL,
            health_timeout_ms bigint NOT NULL,
            max_error_rate double precision NOT NULL,
            min_healthy_share double precision NOT NULL,
            state character varying(16) NOT NULL,
            message text,
            current_wave integer NOT NULL,
            wave_started_at_ms bigint,
            wave_elapsed_ms bigint NOT NULL,
            halted_wave integer,
            created_at_ms bigint NOT NULL,
            created_by character varying(128) NOT NULL,
            updated_at_ms bigint NOT NULL,
            CONSTRAINT "PK_deployments" PRIMARY KEY (id)
        );


        CREATE TABLE device_desired_models (
            device_id character varying(64) NOT NULL,
            model character varying(128) NOT NULL,
            version character varying(128) NOT NULL,
            routing_policy character varying(32) NOT NULL,
            deployment_id bigint NOT NULL,
            CONSTRAINT "PK_device_desired_models" PRIMARY KEY (device_id, model)
        );


        CREATE TABLE devices (
            id character varying(64) NOT NULL,
            first_seen_at_ms bigint NOT NULL,
            last_seen_at_ms bigint NOT NULL,
            online boolean NOT NULL,
            agent_version text,
            status_at_ms bigint,
            started_at_ms bigint,
            last_offline_reason text,
            tags text,
            key_hash character varying(64),
            enrolled_at_ms bigint,
            revoked_at_ms bigint,
            desired_revision bigint,
            reported bytea,
            reported_at_ms bigint,
            desired_config text,
            CONSTRAINT "PK_devices" PRIMARY KEY (id)
        );


        CREATE TABLE enrollment_tokens (
            id character varying(32) NOT NULL,
            secret_hash character varying(64) NOT NULL,
            tags text NOT NULL,
            max_uses integer NOT NULL,
            uses integer NOT NULL,
            expires_at_ms bigint NOT NULL,
            created_at_ms bigint NOT NULL,
            created_by character varying(128) NOT NULL,
            revoked_at_ms bigint,
            CONSTRAINT "PK_enrollment_tokens" PRIMARY KEY (id)
        );


        CREATE TABLE hub_cursors (
            name character varying(64) NOT NULL,
            position bigint NOT NULL,
            CONSTRAINT "PK_hub_cursors" PRIMARY KEY (name)
        );

        CREATE TABLE leases (
            name character varying(64) NOT NULL,
            holder character varying(128) NOT NULL,
            epoch bigint NOT NULL,
            expires_at_ms bigint NOT NULL,
            CONSTRAINT "PK_leases" PRIMARY KEY (name)
        );


        CREATE TABLE model_variants (
            name character varying(128) NOT NULL,
            version character varying(128) NOT NULL,
            variant character varying(16) NOT NULL,
            sha256 character varying(64) NOT NULL,
            size_bytes bigint NOT NULL,
            signature bytea NOT NULL,
            created_at_ms bigint NOT NULL,
            created_by character varying(128) NOT NULL,
            report text,
            CONSTRAINT "PK_model_variants" PRIMARY KEY (name, version, variant)
        );


        CREATE TABLE models (
            name character varying(128) NOT NULL,
            version character varying(128) NOT NULL,
            sha256 character varying(64) NOT NULL,
            size_bytes bigint NOT NULL,
            signature bytea NOT NULL,
            inputs text NOT NULL,
            outputs text NOT NULL,
            created_at_ms bigint NOT NULL,
            created_by character varying(128) NOT NULL,
            CONSTRAINT "PK_models" PRIMARY KEY (name, version)
        );


        CREATE TABLE records (
            id bigint GENERATED BY DEFAULT AS IDENTITY,
            device_id character varying(64) NOT NULL,
            stream character varying(32) NOT NULL,
            epoch bigint NOT NULL,
            seq bigint NOT NULL,
            created_at_ms bigint NOT NULL,
            received_at_ms bigint NOT NULL,
            body bytea NOT NULL,
            CONSTRAINT "PK_records" PRIMARY KEY (id)
        );


        CREATE INDEX ix_audit_at ON audit (at_ms);


        CREATE INDEX ix_deployment_targets_device ON deployment_targets (device_id);


        CREATE INDEX ix_deployments_model_state ON deployments (model, state);


        CREATE INDEX ix_device_desired_models_model_version ON device_desired_models (model, version);


        CREATE INDEX ix_records_device_stream_created ON records (device_id, stream, created_at_ms);


        CREATE UNIQUE INDEX ux_records_device_stream_epoch_seq ON records (device_id, stream, epoch, seq);
        """;
}
