using Microsoft.EntityFrameworkCore;

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

/// <summary>One model in one device's desired state, and the deployment that put it there.</summary>
internal sealed class DesiredModelRow
{
    public required string DeviceId { get; set; }

    public required string Model { get; set; }

    public required string Version { get; set; }

    public required string RoutingPolicy { get; set; }

    public long DeploymentId { get; set; }
}

/// <summary>How far a reader of the records table has got (by record id), so a restart neither misses nor repeats.</summary>
internal sealed class CursorRow
{
    public required string Name { get; set; }

    public long Position { get; set; }
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

internal static class DeploymentModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        var deployment = modelBuilder.Entity<DeploymentRow>();
        deployment.ToTable("deployments").HasKey(d => d.Id);
        deployment.Property(d => d.Id).HasColumnName("id");
        deployment.Property(d => d.Model).HasColumnName("model").HasMaxLength(128);
        deployment.Property(d => d.Version).HasColumnName("version").HasMaxLength(128);
        deployment.Property(d => d.RoutingPolicy).HasColumnName("routing_policy").HasMaxLength(32);
        deployment.Property(d => d.Selector).HasColumnName("selector");
        deployment.Property(d => d.Strategy).HasColumnName("strategy").HasMaxLength(16);
        deployment.Property(d => d.Waves).HasColumnName("waves");
        deployment.Property(d => d.HealthTimeoutMs).HasColumnName("health_timeout_ms");
        deployment.Property(d => d.MaxErrorRate).HasColumnName("max_error_rate");
        deployment.Property(d => d.MinHealthyShare).HasColumnName("min_healthy_share");
        deployment.Property(d => d.State).HasColumnName("state").HasMaxLength(16);
        deployment.Property(d => d.Message).HasColumnName("message");
        deployment.Property(d => d.CurrentWave).HasColumnName("current_wave");
        deployment.Property(d => d.WaveStartedAtMs).HasColumnName("wave_started_at_ms");
        deployment.Property(d => d.WaveElapsedMs).HasColumnName("wave_elapsed_ms");
        deployment.Property(d => d.HaltedWave).HasColumnName("halted_wave");
        deployment.Property(d => d.CreatedAtMs).HasColumnName("created_at_ms");
        deployment.Property(d => d.CreatedBy).HasColumnName("created_by").HasMaxLength(128);
        deployment.Property(d => d.UpdatedAtMs).HasColumnName("updated_at_ms");
        deployment.HasIndex(d => new { d.Model, d.State }).HasDatabaseName("ix_deployments_model_state");

        var target = modelBuilder.Entity<DeploymentTargetRow>();
        target.ToTable("deployment_targets").HasKey(t => new { t.DeploymentId, t.DeviceId });
        target.Property(t => t.DeploymentId).HasColumnName("deployment_id");
        target.Property(t => t.DeviceId).HasColumnName("device_id").HasMaxLength(64);
        target.Property(t => t.Wave).HasColumnName("wave");
        target.Property(t => t.State).HasColumnName("state").HasMaxLength(16);
        target.Property(t => t.Revision).HasColumnName("revision");
        target.Property(t => t.PreviousVersion).HasColumnName("previous_version").HasMaxLength(128);
        target.Property(t => t.PreviousDeploymentId).HasColumnName("previous_deployment_id");
        target.Property(t => t.PreviousRoutingPolicy).HasColumnName("previous_routing_policy").HasMaxLength(32);
        target.Property(t => t.Message).HasColumnName("message");
        target.Property(t => t.UpdatedAtMs).HasColumnName("updated_at_ms");
        target.HasIndex(t => t.DeviceId).HasDatabaseName("ix_deployment_targets_device");

        var desired = modelBuilder.Entity<DesiredModelRow>();
        desired.ToTable("device_desired_models").HasKey(m => new { m.DeviceId, m.Model });
        desired.Property(m => m.DeviceId).HasColumnName("device_id").HasMaxLength(64);
        desired.Property(m => m.Model).HasColumnName("model").HasMaxLength(128);
        desired.Property(m => m.Version).HasColumnName("version").HasMaxLength(128);
        desired.Property(m => m.RoutingPolicy).HasColumnName("routing_policy").HasMaxLength(32);
        desired.Property(m => m.DeploymentId).HasColumnName("deployment_id");
        desired.HasIndex(m => new { m.Model, m.Version }).HasDatabaseName("ix_device_desired_models_model_version");

        var cursor = modelBuilder.Entity<CursorRow>();
        cursor.ToTable("hub_cursors").HasKey(c => c.Name);
        cursor.Property(c => c.Name).HasColumnName("name").HasMaxLength(64);
        cursor.Property(c => c.Position).HasColumnName("position");
    }
}
