using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace EdgeAi.Hub.Deployments;

/// <summary>A deployment: one model version to the devices a selector matched, all at once or in waves with a health gate.</summary>
internal sealed class DeploymentRow
{
    public long Id { get; set; }

    public required string Model { get; set; }

    public required string Version { get; set; }

    public required string RoutingPolicy { get; set; }

    /// <summary>JSON object {tag: value}; empty object = every device.</summary>
    public required string Selector { get; set; }

    public required string Strategy { get; set; }

    /// <summary>JSON array of cumulative percentages, strictly increasing, ending at 100.</summary>
    public required string Waves { get; set; }

    public long HealthTimeoutMs { get; set; }

    public double MaxErrorRate { get; set; }

    public double MinHealthyShare { get; set; }

    /// <summary>See <see cref="DeploymentStates"/>.</summary>
    public required string State { get; set; }

    public string? Message { get; set; }

    /// <summary>0-based index of the wave being rolled out (or the last one, once finished).</summary>
    public int CurrentWave { get; set; }

    /// <summary>When the current wave's gate clock last started; null while it stands still (not started, paused, finished).</summary>
    public long? WaveStartedAtMs { get; set; }

    /// <summary>Gate time spent on the current wave before <see cref="WaveStartedAtMs"/> (pauses excluded).</summary>
    public long WaveElapsedMs { get; set; }

    /// <summary>The wave whose health gate failed (the deployment then rolled back); null otherwise.</summary>
    public int? HaltedWave { get; set; }

    public long CreatedAtMs { get; set; }

    public required string CreatedBy { get; set; }

    public long UpdatedAtMs { get; set; }
}

internal sealed class DeploymentRowConfiguration : IEntityTypeConfiguration<DeploymentRow>
{
    public void Configure(EntityTypeBuilder<DeploymentRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("deployments").HasKey(d => d.Id).HasName("PK_deployments");
        builder.Property(d => d.Model).HasMaxLength(128);
        builder.Property(d => d.Version).HasMaxLength(128);
        builder.Property(d => d.RoutingPolicy).HasMaxLength(32);
        builder.Property(d => d.Strategy).HasMaxLength(16);
        builder.Property(d => d.State).HasMaxLength(16);
        builder.Property(d => d.CreatedBy).HasMaxLength(128);
        builder.HasIndex(d => new { d.Model, d.State }).HasDatabaseName("ix_deployments_model_state");
    }
}

/// <summary>One device of a deployment: its wave, where it stands, and what it ran before (for rollback).</summary>
internal sealed class DeploymentTargetRow
{
    public long DeploymentId { get; set; }

    public required string DeviceId { get; set; }

    public int Wave { get; set; }

    /// <summary>See <see cref="TargetStates"/>.</summary>
    public required string State { get; set; }

    /// <summary>The desired-state revision that first asked the device for this deployment's version.</summary>
    public long? Revision { get; set; }

    /// <summary>What the device's desired state held for the model before this deployment moved it; null = not there.</summary>
    public string? PreviousVersion { get; set; }

    public long? PreviousDeploymentId { get; set; }

    public string? PreviousRoutingPolicy { get; set; }

    public string? Message { get; set; }

    public long UpdatedAtMs { get; set; }
}

internal sealed class DeploymentTargetRowConfiguration : IEntityTypeConfiguration<DeploymentTargetRow>
{
    public void Configure(EntityTypeBuilder<DeploymentTargetRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("deployment_targets").HasKey(t => new { t.DeploymentId, t.DeviceId }).HasName("PK_deployment_targets");
        builder.Property(t => t.DeviceId).HasMaxLength(64);
        builder.Property(t => t.State).HasMaxLength(16);
        builder.Property(t => t.PreviousVersion).HasMaxLength(128);
        builder.Property(t => t.PreviousRoutingPolicy).HasMaxLength(32);
        builder.HasIndex(t => t.DeviceId).HasDatabaseName("ix_deployment_targets_device");
    }
}

/// <summary>One model in one device's desired state, and the deployment that put it there.</summary>
internal sealed class DesiredModelRow
{
    public required string DeviceId { get; set; }

    public required string Model { get; set; }

    public required string Version { get; set; }

    public required string RoutingPolicy { get; set; }

    public long DeploymentId { get; set; }
}

internal sealed class DesiredModelRowConfiguration : IEntityTypeConfiguration<DesiredModelRow>
{
    public void Configure(EntityTypeBuilder<DesiredModelRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("device_desired_models").HasKey(m => new { m.DeviceId, m.Model }).HasName("PK_device_desired_models");
        builder.Property(m => m.DeviceId).HasMaxLength(64);
        builder.Property(m => m.Model).HasMaxLength(128);
        builder.Property(m => m.Version).HasMaxLength(128);
        builder.Property(m => m.RoutingPolicy).HasMaxLength(32);
        builder.HasIndex(m => new { m.Model, m.Version }).HasDatabaseName("ix_device_desired_models_model_version");
    }
}

/// <summary>How far a reader of the records table has got (by record id), so a restart neither misses nor repeats.</summary>
internal sealed class CursorRow
{
    public required string Name { get; set; }

    public long Position { get; set; }
}

internal sealed class CursorRowConfiguration : IEntityTypeConfiguration<CursorRow>
{
    public void Configure(EntityTypeBuilder<CursorRow> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("hub_cursors").HasKey(c => c.Name).HasName("PK_hub_cursors");
        builder.Property(c => c.Name).HasMaxLength(64);
    }
}

internal static class DeploymentStates
{
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Halted = "halted";
    public const string Completed = "completed";
    public const string RolledBack = "rolled_back";
    public const string Superseded = "superseded";

    /// <summary>States the controller still acts on; the others are final.</summary>
    public static bool IsOpen(string state) => state is Running or Paused or Halted;
}

internal static class TargetStates
{
    /// <summary>Waiting for its wave.</summary>
    public const string Pending = "pending";

    /// <summary>Its desired state names the new version; no verdict from the device yet.</summary>
    public const string Updating = "updating";

    public const string Active = "active";
    public const string Failed = "failed";
    public const string RolledBack = "rolled_back";

    /// <summary>Its wave never came (the deployment ended first).</summary>
    public const string Cancelled = "cancelled";

    /// <summary>A newer deployment of the same model took the device over.</summary>
    public const string Superseded = "superseded";

    /// <summary>States in which the deployment's version is (or was last put) in the device's desired state.</summary>
    public static bool IsMoved(string state) => state is Updating or Active or Failed;
}
