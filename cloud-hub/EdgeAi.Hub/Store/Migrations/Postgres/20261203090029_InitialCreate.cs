using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace EdgeAi.Hub.Store.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    at_ms = table.Column<long>(type: "bigint", nullable: false),
                    actor = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    action = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    target = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    detail = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "deployment_targets",
                columns: table => new
                {
                    deployment_id = table.Column<long>(type: "bigint", nullable: false),
                    device_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    wave = table.Column<int>(type: "integer", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    revision = table.Column<long>(type: "bigint", nullable: true),
                    previous_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    previous_deployment_id = table.Column<long>(type: "bigint", nullable: true),
                    previous_routing_policy = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    message = table.Column<string>(type: "text", nullable: true),
                    updated_at_ms = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deployment_targets", x => new { x.deployment_id, x.device_id });
                });

            migrationBuilder.CreateTable(
                name: "deployment_variants",
                columns: table => new
                {
                    deployment_id = table.Column<long>(type: "bigint", nullable: false),
                    variant = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deployment_variants", x => x.deployment_id);
                });

            migrationBuilder.CreateTable(
                name: "deployments",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    model = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    routing_policy = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    selector = table.Column<string>(type: "text", nullable: false),
                    strategy = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    waves = table.Column<string>(type: "text", nullable: false),
                    health_timeout_ms = table.Column<long>(type: "bigint", nullable: false),
                    max_error_rate = table.Column<double>(type: "double precision", nullable: false),
                    min_healthy_share = table.Column<double>(type: "double precision", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    message = table.Column<string>(type: "text", nullable: true),
                    current_wave = table.Column<int>(type: "integer", nullable: false),
                    wave_started_at_ms = table.Column<long>(type: "bigint", nullable: true),
                    wave_elapsed_ms = table.Column<long>(type: "bigint", nullable: false),
                    halted_wave = table.Column<int>(type: "integer", nullable: true),
                    created_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    created_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    updated_at_ms = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deployments", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "device_desired_models",
                columns: table => new
                {
                    device_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    model = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    routing_policy = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    deployment_id = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_device_desired_models", x => new { x.device_id, x.model });
                });

            migrationBuilder.CreateTable(
                name: "devices",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    first_seen_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    last_seen_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    online = table.Column<bool>(type: "boolean", nullable: false),
                    agent_version = table.Column<string>(type: "text", nullable: true),
                    status_at_ms = table.Column<long>(type: "bigint", nullable: true),
                    started_at_ms = table.Column<long>(type: "bigint", nullable: true),
                    last_offline_reason = table.Column<string>(type: "text", nullable: true),
                    tags = table.Column<string>(type: "text", nullable: true),
                    key_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    enrolled_at_ms = table.Column<long>(type: "bigint", nullable: true),
                    revoked_at_ms = table.Column<long>(type: "bigint", nullable: true),
                    desired_revision = table.Column<long>(type: "bigint", nullable: true),
                    reported = table.Column<byte[]>(type: "bytea", nullable: true),
                    reported_at_ms = table.Column<long>(type: "bigint", nullable: true),
                    desired_config = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_devices", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "enrollment_tokens",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    secret_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    tags = table.Column<string>(type: "text", nullable: false),
                    max_uses = table.Column<int>(type: "integer", nullable: false),
                    uses = table.Column<int>(type: "integer", nullable: false),
                    expires_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    created_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    created_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    revoked_at_ms = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_enrollment_tokens", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "hub_cursors",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    position = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_hub_cursors", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "model_variants",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    variant = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    signature = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    created_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    report = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_model_variants", x => new { x.name, x.version, x.variant });
                });

            migrationBuilder.CreateTable(
                name: "models",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    signature = table.Column<byte[]>(type: "bytea", nullable: false),
                    inputs = table.Column<string>(type: "text", nullable: false),
                    outputs = table.Column<string>(type: "text", nullable: false),
                    created_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    created_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_models", x => new { x.name, x.version });
                });

            migrationBuilder.CreateTable(
                name: "records",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    device_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    stream = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    epoch = table.Column<long>(type: "bigint", nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    created_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    received_at_ms = table.Column<long>(type: "bigint", nullable: false),
                    body = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_records", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_audit_at",
                table: "audit",
                column: "at_ms");

            migrationBuilder.CreateIndex(
                name: "ix_deployment_targets_device",
                table: "deployment_targets",
                column: "device_id");

            migrationBuilder.CreateIndex(
                name: "ix_deployments_model_state",
                table: "deployments",
                columns: new[] { "model", "state" });

            migrationBuilder.CreateIndex(
                name: "ix_device_desired_models_model_version",
                table: "device_desired_models",
                columns: new[] { "model", "version" });

            migrationBuilder.CreateIndex(
                name: "ix_records_device_stream_created",
                table: "records",
                columns: new[] { "device_id", "stream", "created_at_ms" });

            migrationBuilder.CreateIndex(
                name: "ux_records_device_stream_epoch_seq",
                table: "records",
                columns: new[] { "device_id", "stream", "epoch", "seq" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit");

            migrationBuilder.DropTable(
                name: "deployment_targets");

            migrationBuilder.DropTable(
                name: "deployment_variants");

            migrationBuilder.DropTable(
                name: "deployments");

            migrationBuilder.DropTable(
                name: "device_desired_models");

            migrationBuilder.DropTable(
                name: "devices");

            migrationBuilder.DropTable(
                name: "enrollment_tokens");

            migrationBuilder.DropTable(
                name: "hub_cursors");

            migrationBuilder.DropTable(
                name: "model_variants");

            migrationBuilder.DropTable(
                name: "models");

            migrationBuilder.DropTable(
                name: "records");
        }
    }
}
