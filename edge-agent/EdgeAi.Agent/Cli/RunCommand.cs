using System.CommandLine;
using EdgeAi.Agent.Hosting;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;

namespace EdgeAi.Agent.Cli;

/// <summary><c>edge-agent run</c>: serve until stopped (Ctrl+C or SIGTERM).</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var listen = new Option<string?>("--listen") { Description = "Address to bind (default 127.0.0.1)." };
        var httpPort = new Option<int?>("--http-port") { Description = "REST port (default 8000; 0 picks a free one)." };
        var grpcPort = new Option<int?>("--grpc-port") { Description = "gRPC port (default 8001; 0 picks a free one)." };
        var providers = new Option<string?>("--providers")
        {
            Description = "Execution providers to try, in order, comma-separated (default DirectML,CUDA,CPU).",
        };
        var threads = new Option<int?>("--threads") { Description = "Threads per inference (ONNX Runtime intra-op; 0 = one per core)." };
        var command = new Command("run", "Serve the installed models until stopped.") { listen, httpPort, grpcPort, providers, threads };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = AgentCli.Overrides(parse);
            Set(overrides, "Agent:ListenAddress", parse.GetValue(listen));
            Set(overrides, "Agent:HttpPort", parse.GetValue(httpPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Set(overrides, "Agent:GrpcPort", parse.GetValue(grpcPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Set(overrides, "ModelHost:IntraOpThreads", parse.GetValue(threads)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
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

    private static async Task<int> RunAsync(Dictionary<string, string?> overrides, CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            app = AgentHost.Build(overrides);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"edge-agent: invalid configuration: {string.Join("; ", e.Failures)}").ConfigureAwait(false);
            return 2;
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"edge-agent: cannot start: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            var endpoints = app.Services.GetRequiredService<AgentEndpoints>();
            var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AgentOptions>>().Value;
            Hosting.Log.Listening(app.Services.GetRequiredService<ILogger<AgentEndpoints>>(), endpoints.HttpUri, endpoints.GrpcUri, options.DataDirectory);
            await app.Services.GetRequiredService<ModelLoader>().InitialLoad.WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var model in app.Services.GetRequiredService<ModelHost>().Models)
            {
                Console.WriteLine(model.State == ModelState.Ready
                    ? $"ready: {model.Name} v{model.Version} on {model.ExecutionProvider}"
                    : $"NOT READY: {model.Name} v{model.Version}: {model.FailureReason}");
            }
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            // A crashed background loop stops the host but would exit 0; make supervisors see the failure.
            return Environment.ExitCode;
        }
    }
}
