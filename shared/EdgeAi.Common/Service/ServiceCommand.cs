using System.CommandLine;
using System.Text.RegularExpressions;

namespace EdgeAi.Common.Service;

/// <summary><c>service install|uninstall|status</c> for a product: a systemd unit on Linux, a Windows service on Windows.</summary>
public static partial class ServiceCommand
{
    /// <param name="product">The executable's names and defaults.</param>
    /// <param name="dataDirectory">The product's own --data-dir option where its root command has a recursive one; else null and the command adds one.</param>
    /// <param name="runner">Runs systemctl, useradd, chown, sc.exe (tests pass one that records).</param>
    public static Command Create(ServiceProduct product, Option<string?>? dataDirectory = null, ICommandRunner? runner = null)
    {
        ArgumentNullException.ThrowIfNull(product);
        runner ??= new ProcessCommandRunner();
        var ownDataDirectory = dataDirectory is null;
        dataDirectory ??= new Option<string?>("--data-dir");
        dataDirectory.Description ??= $"Data directory of the service (default {product.LinuxDataDirectory}; on Windows {product.WindowsDataDirectory}).";
        var root = new Option<string?>("--root")
        {
            Description = "Install into this directory as if it were / (a test or image build): paths are prefixed, and useradd, chown and systemctl are printed, not run.",
            Recursive = true,
        };
        var user = new Option<string?>("--user") { Description = $"The account the service runs as (default {product.DefaultUser}; created as a system account when absent). Windows: obj= account, default LocalSystem." };
        var exec = new Option<string?>("--exec") { Description = "The executable the service runs (default: this one)." };
        var noStart = new Option<bool>("--no-start") { Description = "Enable the service but do not start it now." };
        var runArguments = new Argument<string[]>("run-arguments") { Description = $"After --: more arguments for '{product.Name} run' (e.g. -- --broker mqtts://hub:8883).", Arity = ArgumentArity.ZeroOrMore };
        var purge = new Option<bool>("--purge") { Description = "Also delete the data directory (models, identity, outbox). The account is kept." };

        var install = new Command("install",
            $"Install {product.Name} as a service that starts at boot and restarts on failure (systemd unit, or Windows service). " +
            $"Its data directory: --data-dir, default {product.LinuxDataDirectory} (Windows: {product.WindowsDataDirectory}).") { user, exec, noStart, runArguments };
        var uninstall = new Command("uninstall", "Stop, disable and remove the service; the data directory stays unless --purge.") { purge };
        var status = new Command("status", "Print the service's state and unit path. Exit 0 active, 3 not active, 4 not installed.");
        if (ownDataDirectory)
        {
            install.Options.Add(dataDirectory);
            uninstall.Options.Add(dataDirectory);
        }

        install.SetAction((parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var windows = OperatingSystem.IsWindows();
            var problem = Problem(product, parse.GetValue(root), parse.GetValue(user), parse.GetValue(exec) ?? Environment.ProcessPath, parse.GetValue(dataDirectory), windows, out var resolved);
            if (problem is not null)
            {
                error.WriteLine($"{product.Name} service install: {problem}");
                return Task.FromResult(2);
            }
            var arguments = ServiceProduct.RunArguments(resolved.DataDirectory, parse.GetValue(runArguments) ?? []);
            if (arguments.FirstOrDefault(a => a.Any(char.IsControl)) is { } bad)
            {
                error.WriteLine($"{product.Name} service install: the run argument '{bad}' has a control character (a newline?); give each argument plainly");
                return Task.FromResult(2);
            }
            var start = !parse.GetValue(noStart);
            if (windows)
            {
                var service = new ServiceDefinition(product, resolved.Executable, arguments, parse.GetValue(user) ?? "", resolved.DataDirectory, []);
                return new WindowsInstaller(runner, parse.InvocationConfiguration.Output, error).InstallAsync(service, start, cancellationToken);
            }
            return InstallLinuxAsync(new SystemdInstaller(runner, parse.InvocationConfiguration.Output, error, parse.GetValue(root)), product, resolved, arguments, start, cancellationToken);
        });
        uninstall.SetAction((parse, cancellationToken) => OperatingSystem.IsWindows()
            ? new WindowsInstaller(runner, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error).UninstallAsync(product, parse.GetValue(dataDirectory), parse.GetValue(purge), cancellationToken)
            : new SystemdInstaller(runner, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(root)).UninstallAsync(product, Absolute(parse.GetValue(dataDirectory)), parse.GetValue(purge), cancellationToken));
        status.SetAction((parse, cancellationToken) => OperatingSystem.IsWindows()
            ? new WindowsInstaller(runner, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error).StatusAsync(product, cancellationToken)
            : new SystemdInstaller(runner, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(root)).StatusAsync(product, cancellationToken));

        var command = new Command("service", $"Run {product.Name} as a system service: install, uninstall, status.") { install, uninstall, status };
        command.Options.Add(root);
        return command;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static async Task<int> InstallLinuxAsync(SystemdInstaller installer, ServiceProduct product, Resolved resolved, IReadOnlyList<string> arguments, bool start, CancellationToken cancellationToken)
    {
        var groups = await installer.SupplementaryGroupsAsync(product, cancellationToken).ConfigureAwait(false);
        var service = new ServiceDefinition(product, resolved.Executable, arguments, resolved.User, resolved.DataDirectory, groups);
        return await installer.InstallAsync(service, start, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What is wrong with the install options, naming the option and what it expects; null when they are usable.</summary>
    internal static string? Problem(ServiceProduct product, string? root, string? user, string? executable, string? dataDirectory, bool windows, out Resolved resolved)
    {
        resolved = new Resolved("", "", "");
        if (windows && root is not null)
        {
            return "--root applies to systemd units (Linux) only";
        }
        if (executable is null || Path.GetFileNameWithoutExtension(executable) == "dotnet")
        {
            return $"cannot tell which executable the service should run (started through 'dotnet'?); pass --exec with the path of the published {product.Name}";
        }
        if (!Path.IsPathFullyQualified(executable))
        {
            return $"--exec '{executable}' is not an absolute path";
        }
        if (root is null && !File.Exists(executable))
        {
            return $"--exec '{executable}': no such file";
        }
        var data = Absolute(dataDirectory) ?? (windows ? product.WindowsDataDirectory : product.LinuxDataDirectory);
        var account = user ?? product.DefaultUser;
        if (new[] { executable, data }.FirstOrDefault(v => v.Any(char.IsControl)) is { } control)
        {
            return $"'{control}' has a control character (a newline?)";
        }
        if (!windows && !LinuxUserName().IsMatch(account))
        {
            return $"--user '{account}' is not a valid account name (expected lower-case letters, digits, '_' or '-', starting with a letter or '_', at most 32 characters)";
        }
        if (!windows && data == "/")
        {
            return "--data-dir must not be / (it becomes the only writable path, and --purge deletes it)";
        }
        resolved = new Resolved(executable, account, data);
        return null;
    }

    private static string? Absolute(string? path) => path is null ? null : Path.GetFullPath(path);

    internal sealed record Resolved(string Executable, string User, string DataDirectory);

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial Regex LinuxUserName();
}
