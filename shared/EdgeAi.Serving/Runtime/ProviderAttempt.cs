namespace EdgeAi.Serving.Runtime;

/// <summary>An execution provider that was tried for a model and skipped, with the reason.</summary>
public sealed record ProviderAttempt(string Provider, string Reason)
{
    public override string ToString() => $"{Provider}: {Reason}";
}
