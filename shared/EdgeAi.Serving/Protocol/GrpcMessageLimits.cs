namespace EdgeAi.Serving.Protocol;

/// <summary>
/// The largest gRPC request message each service takes, and the words that explain a refusal.
/// The default is the inference limit (ModelHost:MaxRequestBytes); a service with small requests
/// (the hub's fleet service, open to anyone for enrollment) registers a smaller one by path prefix.
/// </summary>
public sealed class GrpcMessageLimits
{
    public GrpcMessageLimit Default { get; set; } = new(64 * 1024 * 1024, "ModelHost:MaxRequestBytes");

    /// <summary>Limits by gRPC path prefix, e.g. "/edgeai.fleet.v1.Fleet".</summary>
    public Dictionary<string, GrpcMessageLimit> Services { get; } = new(StringComparer.Ordinal);

    public GrpcMessageLimit For(string path)
    {
        foreach (var (prefix, limit) in Services)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return limit;
            }
        }
        return Default;
    }
}

/// <param name="Bytes">Largest message, as sent (compressed messages are also bounded once decompressed).</param>
/// <param name="Source">What sets it, named in the refusal: a setting, or why it is fixed.</param>
public sealed record GrpcMessageLimit(int Bytes, string Source);
