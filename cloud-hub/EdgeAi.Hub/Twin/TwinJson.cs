using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Hub.Twin;

internal sealed record DesiredModelView(string Name, string Version, string Sha256, string RoutingPolicy);

/// <summary>What the hub last published (or will publish) to a device.</summary>
internal sealed record DesiredView(string DeviceId, long Revision, IReadOnlyList<DesiredModelView> Models, IReadOnlyDictionary<string, string> Config);

/// <summary>Twin JSON of the admin API, source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DesiredView))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class TwinJson : JsonSerializerContext;
