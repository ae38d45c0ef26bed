using EdgeAi.Common.Service;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Serving;

/// <summary>
/// Runs a serving process from the command line until it is stopped: start, say where it listens,
/// wait for the models, print which are ready (and why not), then wait for shutdown. Configuration
/// and bind errors become one line on stderr, not a stack trace: exit code 78 for an invalid configuration
/// (<see cref="ServiceExitCodes.ConfigurationError"/>, which the systemd unit does not restart), 2 for a
/// start that failed otherwise (a port or socket in use may be free on the next try).
/// </summary>
public static class ServerRunner
{
    public static async Task<int> RunAsync(string tool, Func<WebApplication> build, Action<WebApplication> announce, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(announce);
        WebApplication app;
        try
        {
            app = build();
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"{tool}: invalid configuration: {string.Join("; ", e.Failures)}").ConfigureAwait(false);
            return ServiceExitCodes.ConfigurationError;
        }
        catch (Exception e) when (e is InvalidDataException || (e is InvalidOperationException && e.InnerException is FormatException))
        {
            // An unreadable appsettings.json, or a value of the wrong type ("Failed to convert configuration value 'x' at 'Key' to type …").
            await Console.Error.WriteLineAsync($"{tool}: invalid configuration: {e.Message}").ConfigureAwait(false);
            return ServiceExitCodes.ConfigurationError;
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"{tool}: cannot start: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            announce(app);
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
