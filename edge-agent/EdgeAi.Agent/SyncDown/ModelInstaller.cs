using EdgeAi.Common.Fleet;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;

namespace EdgeAi.Agent.SyncDown;

/// <summary>One model version on its way in, and what its steps have done so far, so a failure can be undone precisely.</summary>
internal sealed class ModelCandidate(string name, string version, DesiredModel? desired)
{
    public string Name { get; } = name;

    public string Version { get; } = version;

    /// <summary>The desired entry it comes from; null for a model the fleet no longer wants.</summary>
    public DesiredModel? Desired { get; } = desired;

    public DownloadResult? Download { get; set; }

    public bool Installed { get; set; }

    public ModelInstance? Instance { get; set; }

    public bool Activated { get; set; }

    /// <summary>The version that served before this one was activated.</summary>
    public string? Previous { get; set; }

    /// <summary>The variant it brings: the desired one, fp32 when the desired state names none.</summary>
    public string Variant => ModelVariants.Normalize(Desired?.Variant);

    /// <summary>Set when it replaces another variant of the same version (<see cref="StepKind.Prepare"/>).</summary>
    public bool Replacement { get; set; }

    /// <summary>For a replacement: the variant that served before the swap.</summary>
    public string? PreviousVariant { get; set; }
}

/// <summary>
/// Brings one model version onto the device beside the serving one, a step at a time as the plan lists
/// them: download (resumable) → verify (sha256 and the hub's signature) → install into the model store
/// → load beside the serving version → smoke test. Each step throws <see cref="DeploymentException"/>
/// with the reason when the version must not go on; <see cref="Abandon"/> then undoes what the steps did.
/// </summary>
internal sealed class ModelInstaller(ModelDownloader downloader, ArtifactVerifier verifier, SmokeTest smoke, ModelLoader loader)
{
    public async Task DownloadAsync(ModelCandidate candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        candidate.Download = await downloader.DownloadAsync(candidate.Desired!, cancellationToken).ConfigureAwait(false);
    }

    public Task VerifyAsync(ModelCandidate candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return verifier.VerifyAsync(candidate.Desired!, candidate.Download!, cancellationToken);
    }

    /// <summary>Copies the verified download into the store (staged, atomic) as a version that does not serve yet.</summary>
    public void Install(ModelCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        loader.Install(candidate.Download!.Path, candidate.Name, candidate.Version, candidate.Variant);
        candidate.Installed = true;
        TryDelete(candidate.Download.Path);
    }

    /// <summary>Loads the installed version beside the serving one; a kept copy that is damaged is removed and downloaded again next round.</summary>
    public void Load(ModelCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ModelInstance instance;
        try
        {
            instance = loader.LoadBeside(candidate.Name, candidate.Version);
        }
        catch (ModelStoreException e) when (!candidate.Installed)
        {
            loader.Discard(candidate.Name, candidate.Version, removeFiles: true);
            throw new DeploymentException($"{e.Message}; removed, downloading it again", e, retryLater: true);
        }
        candidate.Instance = instance.State == ModelState.Ready
            ? instance
            : throw new DeploymentException($"the model does not load: {instance.FailureReason}");
    }

    /// <summary>Opens the verified download of another variant of the serving version, beside it and not serving.</summary>
    public void Prepare(ModelCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        candidate.Replacement = true;
        var instance = loader.PrepareReplacement(candidate.Download!.Path, candidate.Name, candidate.Version, candidate.Variant);
        candidate.Instance = instance;
        if (instance.State != ModelState.Ready)
        {
            throw new DeploymentException($"the {candidate.Variant} variant does not load: {instance.FailureReason}");
        }
    }

    /// <summary>Swaps the smoke-tested variant in for the installed one, then deletes the download.</summary>
    public void Swap(ModelCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        candidate.PreviousVariant = loader.Replace(candidate.Download!.Path, candidate.Instance!);
        candidate.Activated = true;
        TryDelete(candidate.Download.Path);
    }

    public async Task SmokeTestAsync(ModelCandidate candidate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        await smoke.RunAsync(candidate.Instance!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Unloads a candidate that was loaded but not activated (and removes its files when asked); the active version is never touched.</summary>
    public void Abandon(ModelCandidate candidate, bool removeFiles)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (candidate.Activated || (candidate.Instance is null && !removeFiles))
        {
            return;
        }
        if (candidate.Replacement)
        {
            // The installed variant still serves and its files stay: only the prepared session goes.
            if (candidate.Instance is { } prepared)
            {
                loader.DiscardPrepared(prepared);
            }
            return;
        }
        loader.Discard(candidate.Name, candidate.Version, removeFiles);
    }

    /// <summary>Deletes a partial or refused download: refused bytes never stay on the device.</summary>
    public void DeleteDownload(string name, string version, string? variant = null) => TryDelete(downloader.PartPath(name, version, variant));

    /// <summary>Removes partial downloads of versions no longer desired.</summary>
    public void CleanDownloads(DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!Directory.Exists(downloader.Directory))
        {
            return;
        }
        var wanted = state.Models.Where(m => ModelStore.IsValidName(m.Name) && ModelStore.IsValidName(m.Version))
            .Select(m => Path.GetFullPath(downloader.PartPath(m.Name, m.Version, m.Variant)))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(downloader.Directory, "*.part", SearchOption.AllDirectories))
        {
            if (!wanted.Contains(Path.GetFullPath(file)))
            {
                TryDelete(file);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Cleaned up on a later pass.
        }
    }
}
