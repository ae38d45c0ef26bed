using System.CommandLine;
using EdgeAi.Agent.Hosting;
using EdgeAi.Serving;

namespace EdgeAi.Agent.Cli;

/// <summary><c>edge-agent run</c>: serve until stopped (Ctrl+C or SIGTERM).</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var listen = new Option<string?>("--listen") { Description = "Address to bind (default 127.0.0.1)." };
        var httpPort = new Option<int?>("--http-port") { Description = "REST port (default 8000; 0 picks a free one)." };
        var grpcPort = new Option<int?>("--grpc-port") { Description = "gRPC port (default 8001; 0 picks a free one)." };
        var unixSockets = new Option<string?>("--unix-socket-dir")
        {
            Description = $"Also serve REST and gRPC on Unix sockets {Hosting.UnixSocketOptions.RestFileName} and {Hosting.UnixSocketOptions.GrpcFileName} in this directory (default: Agent:UnixSocket:Directory, else none).",
        };
        var providers = new Option<string?>("--providers")
        {
            Description = "Execution providers to try, in order, comma-separated (default DirectML,CUDA,CPU).",
        };
        var threads = new Option<int?>("--threads") { Description = "Threads per inference (ONNX Runtime intra-op; 0 = one per core)." };
        var broker = new Option<string?>("--broker") { Description = "The hub's MQTT broker for telemetry, events and state (mqtts://hub:8883; mqtt:// for development). Default: Uplink:BrokerUrl; none: records wait in the outbox." };
        var deviceId = new Option<string?>("--device-id") { Description = "This device's id at the hub (default: Agent:DeviceId, else the host name)." };
        var command = new Command("run", "Serve the installed models until stopped.") { listen, httpPort, grpcPort, unixSockets, providers, threads, broker, deviceId };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = AgentCli.Overrides(parse);
            Set(overrides, "Agent:ListenAddress", parse.GetValue(listen));
            Set(overrides, "Agent:HttpPort", parse.GetValue(httpPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Set(overrides, "Agent:GrpcPort", parse.GetValue(grpcPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Set(overrides, "Agent:UnixSocket:Directory", parse.GetValue(unixSockets));
            Set(overrides, "ModelHost:IntraOpThreads", parse.GetValue(threads)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Set(overrides, "Uplink:BrokerUrl", parse.GetValue(broker));
            Set(overrides, "Agent:DeviceId", parse.GetValue(deviceId));
            if (parse.GetValue(providers) is { } chain)
            {
                var names = chain.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                for (var i = 0; i < names.Length; i++)
                {
                    overrides[$"ModelHost:ExecutionProviders:{i}"] = names[i];
                }
            }
            return await RunAsync(overrides, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static void Set(Dictionary<string, string?> overrides, string key, string? value)
    {
        if (value is not null)
        {
            overrides[key] = value;
        }
    }

    private static Task<int> RunAsync(Dictionary<string, string?> overrides, CancellationToken cancellationToken) =>
        ServerRunner.RunAsync("edge-agent", () => AgentHost.Build(overrides), Announce, cancellationToken);

    private static void Announce(WebApplication app)
    {
        var endpoints = app.Services.GetRequiredService<AgentEndpoints>();
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AgentOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILogger<AgentEndpoints>>();
        Hosting.Log.Listening(logger, endpoints.HttpUri, endpoints.GrpcUri, options.DataDirectory);
        if (endpoints.UnixSockets is { } unix)
        {
            Hosting.Log.ListeningOnUnixSockets(logger, unix.RestPath, unix.GrpcPath, unix.Mode);
        }
    }
}
