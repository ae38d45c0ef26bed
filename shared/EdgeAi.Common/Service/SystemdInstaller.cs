namespace EdgeAi.Common.Service;

/// <summary>
/// Installs, removes and reports a systemd service. With a root directory (<c>--root</c>) every path is taken under
/// it and nothing outside it is changed: useradd, chown and systemctl are printed as "would run", not run.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SystemdInstaller(ICommandRunner runner, TextWriter output, TextWriter error, string? root)
{
    public const string UnitDirectory = "/etc/systemd/system";

    private bool DryRun => !string.IsNullOrEmpty(root);

    public string UnitPath(ServiceProduct product)
    {
        ArgumentNullException.ThrowIfNull(product);
        return Under($"{UnitDirectory}/{product.UnitFileName}");
    }

    /// <summary>The service's groups: the product's extra ones where they exist on this system (gpio on a device with GPIO).</summary>
    public async Task<IReadOnlyList<string>> SupplementaryGroupsAsync(ServiceProduct product, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(product);
        return product.UsesGpio && await ExistsAsync("group", "gpio", cancellationToken).ConfigureAwait(false) ? ["gpio"] : [];
    }

    public async Task<int> InstallAsync(ServiceDefinition service, bool start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        var unit = service.Product.UnitFileName;
        if (!await ExistsAsync("passwd", service.User, cancellationToken).ConfigureAwait(false)
            && !await RunAsync(new ExternalCommand("useradd", "--system", "--user-group", "--no-create-home",
                "--home-dir", service.DataDirectory, "--shell", "/usr/sbin/nologin", service.User), cancellationToken).ConfigureAwait(false))
        {
            return 1;
        }

        var data = Under(service.DataDirectory);
        Directory.CreateDirectory(data);
        // The identity and its credentials live here: owner and group only.
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        if (!await RunAsync(new ExternalCommand("chown", "-R", $"{service.User}:{service.User}", service.DataDirectory), cancellationToken).ConfigureAwait(false))
        {
            return 1;
        }

        var path = UnitPath(service.Product);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, SystemdUnit.Render(service), cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(temporary, path, overwrite: true);
        await output.WriteLineAsync($"wrote {path}").ConfigureAwait(false);

        if (!await RunAsync(new ExternalCommand("systemctl", "daemon-reload"), cancellationToken).ConfigureAwait(false)
            || !await RunAsync(start ? new ExternalCommand("systemctl", "enable", "--now", unit) : new ExternalCommand("systemctl", "enable", unit), cancellationToken).ConfigureAwait(false))
        {
            return 1;
        }
        if (DryRun)
        {
            await output.WriteLineAsync($"{unit} written under {root}; the commands above were not run").ConfigureAwait(false);
            return 0;
        }
        await output.WriteLineAsync(start
            ? $"{unit} installed and started as {service.User}; data in {service.DataDirectory}. Logs: journalctl -u {unit}"
            : $"{unit} installed (enabled, not started) as {service.User}; start it with: systemctl start {unit}").ConfigureAwait(false);
        return 0;
    }

    /// <summary>Stops, disables and removes the unit; the data directory too with <paramref name="purge"/>. The account stays.</summary>
    public async Task<int> UninstallAsync(ServiceProduct product, string? dataDirectory, bool purge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(product);
        var path = UnitPath(product);
        var installedData = File.Exists(path) ? WorkingDirectory(await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false)) : null;
        if (!File.Exists(path))
        {
            await output.WriteLineAsync($"{product.UnitFileName} is not installed ({path} does not exist)").ConfigureAwait(false);
        }
        else
        {
            // A unit that never started, or was stopped already, still disables: failures here are real.
            if (!await RunAsync(new ExternalCommand("systemctl", "disable", "--now", product.UnitFileName), cancellationToken).ConfigureAwait(false))
            {
                return 1;
            }
            File.Delete(path);
            await output.WriteLineAsync($"removed {path}").ConfigureAwait(false);
            if (!await RunAsync(new ExternalCommand("systemctl", "daemon-reload"), cancellationToken).ConfigureAwait(false))
            {
                return 1;
            }
        }

        var data = dataDirectory ?? installedData ?? product.LinuxDataDirectory;
        if (purge && Directory.Exists(Under(data)))
        {
            Directory.Delete(Under(data), recursive: true);
            await output.WriteLineAsync($"removed {Under(data)}").ConfigureAwait(false);
        }
        else if (!purge)
        {
            await output.WriteLineAsync($"kept the data directory {data} (--purge removes it)").ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>Prints the unit's active state and path. Exit 0 active, 3 not active, 4 not installed (systemctl's codes).</summary>
    public async Task<int> StatusAsync(ServiceProduct product, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(product);
        var path = UnitPath(product);
        if (!File.Exists(path))
        {
            await output.WriteLineAsync($"{product.UnitFileName}: not installed ({path} does not exist)").ConfigureAwait(false);
            return 4;
        }
        var isActive = new ExternalCommand("systemctl", "is-active", product.UnitFileName);
        if (DryRun)
        {
            await output.WriteLineAsync($"{product.UnitFileName}: state not asked under --root (would run: {isActive})\nunit: {path}").ConfigureAwait(false);
            return 3;
        }
        var outcome = await runner.RunAsync(isActive, cancellationToken).ConfigureAwait(false);
        var state = outcome.Output.Trim() is { Length: > 0 } s ? s : outcome.LastLine;
        await output.WriteLineAsync($"{product.UnitFileName}: {state}\nunit: {path}").ConfigureAwait(false);
        return outcome.Succeeded ? 0 : 3;
    }

    /// <summary>Whether the account or group exists: getent, or under --root that root's /etc/passwd or /etc/group.</summary>
    private async Task<bool> ExistsAsync(string database, string name, CancellationToken cancellationToken)
    {
        if (DryRun)
        {
            var file = Under($"/etc/{database}");
            return File.Exists(file) && (await File.ReadAllLinesAsync(file, cancellationToken).ConfigureAwait(false)).Any(l => l.StartsWith(name + ":", StringComparison.Ordinal));
        }
        return (await runner.RunAsync(new ExternalCommand("getent", database, name), cancellationToken).ConfigureAwait(false)).Succeeded;
    }

    private async Task<bool> RunAsync(ExternalCommand command, CancellationToken cancellationToken)
    {
        if (DryRun)
        {
            await output.WriteLineAsync($"would run: {command}").ConfigureAwait(false);
            return true;
        }
        var outcome = await runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            await error.WriteLineAsync($"{command} failed (exit {outcome.ExitCode}): {outcome.LastLine}" +
                (Environment.UserName == "root" ? "" : " (installing a service needs root: run it with sudo)")).ConfigureAwait(false);
        }
        return outcome.Succeeded;
    }

    private static string? WorkingDirectory(IEnumerable<string> unit) =>
        unit.FirstOrDefault(l => l.StartsWith("WorkingDirectory=", StringComparison.Ordinal))?["WorkingDirectory=".Length..].Replace("%%", "%", StringComparison.Ordinal);

    private string Under(string path) => DryRun ? Path.Join(root, path.TrimStart('/')) : path;
}
