namespace EdgeAi.Common.Service;

/// <summary>Installs, removes and reports a Windows service through sc.exe (<see cref="WindowsServiceCommands"/>). Not run on Windows in our tests.</summary>
public sealed class WindowsInstaller(ICommandRunner runner, TextWriter output, TextWriter error)
{
    public async Task<int> InstallAsync(ServiceDefinition service, bool start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        Directory.CreateDirectory(service.DataDirectory);
        foreach (var command in WindowsServiceCommands.Install(service, start))
        {
            if (!await RunAsync(command, cancellationToken).ConfigureAwait(false))
            {
                return 1;
            }
        }
        await output.WriteLineAsync($"service {service.Product.Name} installed{(start ? " and started" : "")}; data in {service.DataDirectory}").ConfigureAwait(false);
        return 0;
    }

    public async Task<int> UninstallAsync(ServiceProduct product, string? dataDirectory, bool purge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(product);
        var commands = WindowsServiceCommands.Uninstall(product);
        await runner.RunAsync(commands[0], cancellationToken).ConfigureAwait(false); // stop: it may not be running
        if (!await RunAsync(commands[1], cancellationToken).ConfigureAwait(false))
        {
            return 1;
        }
        var data = dataDirectory ?? product.WindowsDataDirectory;
        if (purge && Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
            await output.WriteLineAsync($"removed {data}").ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>Exit 0 running, 3 otherwise, 4 when sc.exe knows no such service (as for systemd).</summary>
    public async Task<int> StatusAsync(ServiceProduct product, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(product);
        var outcome = await runner.RunAsync(WindowsServiceCommands.Query(product), cancellationToken).ConfigureAwait(false);
        if (WindowsServiceCommands.State(outcome.Output) is not { } state)
        {
            await output.WriteLineAsync($"{product.Name}: not installed ({outcome.LastLine})").ConfigureAwait(false);
            return 4;
        }
        await output.WriteLineAsync($"{product.Name}: {state}").ConfigureAwait(false);
        return state == "RUNNING" ? 0 : 3;
    }

    private async Task<bool> RunAsync(ExternalCommand command, CancellationToken cancellationToken)
    {
        var outcome = await runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            await error.WriteLineAsync($"{command} failed (exit {outcome.ExitCode}): {outcome.LastLine}").ConfigureAwait(false);
        }
        return outcome.Succeeded;
    }
}
