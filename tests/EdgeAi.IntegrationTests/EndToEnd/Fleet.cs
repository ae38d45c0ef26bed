using System.Text.Json;
using EdgeAi.IntegrationTests.SyncDown;

namespace EdgeAi.IntegrationTests.EndToEnd;

/// <summary>
/// A real hub and three real agents enrolled the way an operator does it: a token from
/// <c>cloud-hub tokens create</c>, <c>edge-agent enroll</c> per device, then agents started with
/// nothing but their data directory. Admin steps go through the real <c>cloud-hub</c> CLI.
/// </summary>
internal sealed class Fleet : IAsyncDisposable
{
    public static readonly string[] DeviceIds = ["edge-1", "edge-2", "edge-3"];

    private readonly Scratch _scratch;
    private readonly Dictionary<string, TestAgent> _agents = new(StringComparer.Ordinal);

    private Fleet(Scratch scratch, TestHub hub)
    {
        _scratch = scratch;
        Hub = hub;
    }

    public TestHub Hub { get; }

    public TestAgent this[string device] => _agents[device];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public string[] Connection => ["--hub", Hub.Uri.ToString(), "--data-dir", Hub.DataDirectory, "--admin-key", TestHub.AdminKey];

    public static async Task<Fleet> StartAsync(Scratch scratch, IDictionary<string, string?>? hubSettings = null, IDictionary<string, IDictionary<string, string?>>? agentSettings = null)
    {
        var hub = new TestHub(scratch.Sub("hub"), HostSettings.Merge(new Dictionary<string, string?> { ["Hub:Deployments:PollInterval"] = "00:00:00.200" }, hubSettings));
        await hub.StartAsync();
        var fleet = new Fleet(scratch, hub);
        var enrollLine = CliRunner.EnrollLine(await fleet.HubCliAsync("tokens", "create", "--tags", "site=lab", "--uses", "3", "--expires", "1h"));
        foreach (var device in DeviceIds)
        {
            var enrolled = await CliRunner.EnrollAsync(enrollLine, device, scratch.Sub(device));
            enrolled.ExitCode.ShouldBe(0, enrolled.ToString());
            await fleet.StartAgentAsync(device, agentSettings is not null && agentSettings.TryGetValue(device, out var extra) ? extra : null);
        }
        return fleet;
    }

    /// <summary>Starts (or restarts) a device's agent from its data directory: identity.json plus fast test timings.</summary>
    public async Task StartAgentAsync(string device, IDictionary<string, string?>? extra = null)
    {
        if (_agents.Remove(device, out var running))
        {
            await running.DisposeAsync();
        }
        var agent = new TestAgent(Path.Combine(_scratch.Root, device));
        await agent.StartAsync(hub: null, HostSettings.Merge(
            TestAgent.FastReconnect,
            TestAgent.FastFleetRetries,
            new Dictionary<string, string?> { ["Telemetry:Interval"] = "00:00:00.200" },
            extra));
        _agents[device] = agent;
    }

    public async Task<CliResult> HubCliAsync(params string[] args)
    {
        var result = await CliRunner.HubAsync([.. args, .. Connection]);
        result.ExitCode.ShouldBe(0, result.ToString());
        return result;
    }

    /// <summary>Writes a bias model (output = input + bias) and pushes it with <c>cloud-hub models push</c>.</summary>
    public async Task PushAsync(string name, string version, float bias, int width = 4)
    {
        var file = Path.Combine(_scratch.Root, $"{name}-{version}.onnx");
        await File.WriteAllBytesAsync(file, FleetModels.Bias(bias, width), Token);
        await HubCliAsync("models", "push", file, "--name", name, "--version", version);
    }

    public async Task<JsonElement> DeploymentAsync(long id)
    {
        using var admin = AdminApi.AdminClient(Hub);
        return await AdminApi.GetJsonAsync(admin, $"/api/deployments/{id}", Token);
    }

    public async Task WaitForDeploymentAsync(long id, string state)
    {
        var last = default(JsonElement);
        await Eventually.UntilAsync(async () =>
        {
            last = await DeploymentAsync(id);
            return last.GetProperty("state").GetString() == state;
        }, () => $"deployment {id} {state}; now: {last}", Token, TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits until <paramref name="device"/> serves <paramref name="model"/> locally with the given bias (i.e. version).</summary>
    public async Task WaitForServingAsync(string device, string model, float bias, int width = 4)
    {
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                var response = await _agents[device].Grpc.ModelInferAsync(Requests.Fp32(model, [1, width], new float[width]), cancellationToken: Token);
                return response.Parameters["edgeai.served_by"].StringParam == "local" && Requests.Fp32Output(response)[0] == bias;
            }
            catch (Grpc.Core.RpcException)
            {
                return false;
            }
        }, $"{device} serving {model} locally with bias {bias}", Token, TimeSpan.FromSeconds(60));
    }

    /// <summary>Stops every agent and the hub, then checks all their error logs.</summary>
    public async ValueTask DisposeAsync() => await _agents.Values.Cast<ITestHost>().Append(Hub).DisposeAllAsync();
}
