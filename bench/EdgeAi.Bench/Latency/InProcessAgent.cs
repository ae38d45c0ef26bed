using EdgeAi.Agent.Hosting;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Bench.Latency;

/// <summary>
/// The real agent host (<see cref="AgentHost.Build"/>) in this process on loopback port 0, with
/// ResNet18 installed in a temporary store: what paths (c) and (d) talk to, and (hub mode) the
/// agent that falls back to an in-process hub.
/// </summary>
internal sealed class InProcessAgent : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private InProcessAgent(WebApplication app, string dataDirectory)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        var endpoints = app.Services.GetRequiredService<AgentEndpoints>();
        GrpcUri = endpoints.GrpcUri;
        HttpUri = endpoints.HttpUri;
    }

    public Uri GrpcUri { get; }

    public Uri HttpUri { get; }

    public static Task<InProcessAgent> StartAsync(ResNet18 model, int threads, CancellationToken cancellationToken) =>
        StartAsync(model.Path, threads, extraSettings: null, cancellationToken);

    /// <summary>
    /// An agent with ResNet18 from <paramref name="localModelPath"/> installed, or with no model at all
    /// when it is null; <paramref name="extraSettings"/> (e.g. Cloud:*) are added to the usual ones.
    /// </summary>
    public static async Task<InProcessAgent> StartAsync(
        string? localModelPath, int threads, IReadOnlyDictionary<string, string?>? extraSettings, CancellationToken cancellationToken)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("edgeai-bench-").FullName;
        var settings = AgentSettings.For(dataDirectory, threads);
        settings["Agent:HttpPort"] = "0";
        settings["Agent:GrpcPort"] = "0";
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        if (localModelPath is not null)
        {
            new ModelStore(Path.Combine(dataDirectory, "models"), TimeProvider.System).Add(localModelPath, ResNet18.ModelName, "1");
        }

        var app = AgentHost.Build(settings);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await app.Services.GetRequiredService<ModelLoader>().InitialLoad.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (localModelPath is not null && app.Services.GetRequiredService<ModelHost>().Resolve(ResNet18.ModelName, null) is { State: not ModelState.Ready } instance)
            {
                throw new InvalidOperationException($"the agent could not load ResNet18: {instance.FailureReason}");
            }
            return new InProcessAgent(app, dataDirectory);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            Directory.Delete(dataDirectory, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
