namespace EdgeAi.Serving.Protocol;

/// <summary>What ServerMetadata reports: which server this is and which protocol extensions it speaks.</summary>
public sealed record ServerIdentity(string Name, string Version, IReadOnlyList<string> Extensions);
