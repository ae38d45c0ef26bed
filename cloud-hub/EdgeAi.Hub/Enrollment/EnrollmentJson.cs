using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Hub.Enrollment;

/// <summary>POST /api/tokens. ExpiresIn: "7d", "12h", "30m" or a TimeSpan.</summary>
internal sealed record CreateTokenRequest(Dictionary<string, string>? Tags, int? Uses, string? ExpiresIn);

/// <summary>The answer to POST /api/tokens: the only time the token's secret is shown.</summary>
internal sealed record CreatedToken(string Id, string Token, IReadOnlyDictionary<string, string> Tags, int Uses, DateTimeOffset ExpiresAt);

/// <summary>A token in GET /api/tokens: no secret.</summary>
internal sealed record TokenSummary(
    string Id, IReadOnlyDictionary<string, string> Tags, int Uses, int Used, int UsesLeft, DateTimeOffset ExpiresAt,
    DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt, bool Expired, bool Revoked);

/// <summary>GET /api/hub: what an enrolling device needs to trust and reach this hub.</summary>
internal sealed record HubInfo(string? Fingerprint, int? MqttPort, int? MqttTlsPort, string Version);

/// <summary>Enrollment JSON of the admin API, source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateTokenRequest))]
[JsonSerializable(typeof(CreatedToken))]
[JsonSerializable(typeof(TokenSummary))]
[JsonSerializable(typeof(TokenSummary[]))]
[JsonSerializable(typeof(HubInfo))]
internal sealed partial class EnrollmentJson : JsonSerializerContext;
