using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Hub.Deployments;

/// <summary>Devices of a deployment by where they stand. Pending = no verdict yet (waiting for its wave, or updating).</summary>
internal sealed record DeviceCounts(int Total, int Pending, int Active, int Failed, int RolledBack, int Updating);

internal sealed record WaveProgress(int Index, int Percent, int Devices, int Active, int Failed, string State);

internal sealed record TargetView(string DeviceId, int Wave, string State, string? PreviousVersion, string? Message, DateTimeOffset UpdatedAt, long? Revision);

/// <summary>A deployment in the admin API; <see cref="Targets"/> only in the single-deployment view.</summary>
internal sealed record DeploymentView(
    long Id, string Model, string Version, string RoutingPolicy, IReadOnlyDictionary<string, string> Selector, string Strategy,
    IReadOnlyList<int> Waves, int CurrentWave, string State, string? Message, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string CreatedBy, string HealthTimeout, double MaxErrorRate, double MinHealthyShare,
    DeviceCounts Devices, IReadOnlyList<WaveProgress> WaveProgress, IReadOnlyList<TargetView>? Targets = null, string Variant = VariantChooser.Auto);

/// <summary>Deployment JSON of the admin API (and of deployments.waves), source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(CreateDeploymentRequest))]
[JsonSerializable(typeof(DeploymentView))]
[JsonSerializable(typeof(DeploymentView[]))]
[JsonSerializable(typeof(int[]))]
internal sealed partial class DeploymentJson : JsonSerializerContext;
