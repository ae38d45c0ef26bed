using System.Security.Cryptography;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Sync;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.SyncDown;

/// <summary>
/// Decides whether a downloaded artifact may be installed: its sha256 must be the one the desired
/// state names (and the one the hub's stream stated), and its signature must verify with the hub's
/// model-signing key. Anything else — tampered bytes, a signature for another artifact, no signature
/// while one is required, no key to check with — is refused with the reason.
/// </summary>
internal sealed class ArtifactVerifier
{
    private readonly FleetOptions _options;
    private readonly string _keyPath;
    private readonly ILogger<ArtifactVerifier> _logger;

    public ArtifactVerifier(IOptions<FleetOptions> options, IOptions<AgentOptions> agent, ILogger<ArtifactVerifier> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(agent);
        _options = options.Value;
        _keyPath = _options.SigningKeyPathFor(agent.Value.DataDirectory);
        _logger = logger;
    }

    /// <summary>Throws <see cref="DeploymentException"/> with the reason when the artifact must not be installed.</summary>
    public async Task VerifyAsync(DesiredModel model, DownloadResult download, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(download);
        string sha;
        var stream = File.OpenRead(download.Path);
        await using (stream.ConfigureAwait(false))
        {
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
        if (!string.Equals(sha, model.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new DeploymentException($"artifact refused: its sha256 is {sha}, the desired state says {model.Sha256.ToLowerInvariant()} (tampered or corrupted in transit)");
        }
        if (download.HubSha256 is { } stated && !string.Equals(sha, stated, StringComparison.OrdinalIgnoreCase))
        {
            throw new DeploymentException($"artifact refused: its sha256 is {sha}, the hub's stream said {stated}");
        }
        CheckSignature(model, sha);
    }

    private void CheckSignature(DesiredModel model, string sha)
    {
        if (!File.Exists(_keyPath))
        {
            Skip(model, $"the hub's model-signing key was not found at '{_keyPath}' (Fleet:SigningKeyPath); enroll the device (edge-agent enroll) or copy the hub's model-signing.pub there");
            return;
        }
        if (model.Signature.IsEmpty)
        {
            Skip(model, "artifact refused: it is not signed");
            return;
        }
        ECDsa key;
        try
        {
            key = ModelSignature.ImportPublicKey(File.ReadAllText(_keyPath));
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException)
        {
            throw new DeploymentException($"the model-signing key at '{_keyPath}' (Fleet:SigningKeyPath) cannot be read: {e.Message}", e);
        }
        using (key)
        {
            // The variant is in the payload (fp32 keeps the payload of hubs that predate variants).
            if (!ModelSignature.Verify(key, model.Name, model.Version, ModelVariants.Normalize(model.Variant), sha, model.Signature.Span))
            {
                throw new DeploymentException($"artifact refused: its signature does not verify with the hub's model-signing key ('{_keyPath}') for the {ModelVariants.Normalize(model.Variant)} variant; the artifact or its signature was tampered with");
            }
        }
    }

    private void Skip(DesiredModel model, string reason)
    {
        if (_options.RequireSignature)
        {
            throw new DeploymentException(reason);
        }
        SyncDownLog.SignatureSkipped(_logger, model.Name, model.Version, reason);
    }
}
