namespace EdgeAi.Serving.Protocol;

/// <summary>Which server this is, for ServerMetadata; the extensions it speaks come from <see cref="ProtocolExtension"/> registrations.</summary>
public sealed record ServerIdentity(string Name, string Version);

/// <summary>
/// One Open Inference Protocol extension this server speaks, by the name Triton lists it under in ServerMetadata
/// (<c>binary_tensor_data</c>, <c>system_shared_memory</c>, ...). Each feature registers its own, so the list is
/// exactly what is mapped.
/// </summary>
public sealed record ProtocolExtension(string Name)
{
    /// <summary>The registered extensions' names, without repeats, in a stable order.</summary>
    public static IReadOnlyList<string> Names(IEnumerable<ProtocolExtension> registered) =>
        [.. registered.Select(e => e.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
