using System.Globalization;
using System.Text;

namespace EdgeAi.Common.Service;

/// <summary>The systemd unit file for a service: notify + watchdog, restart on failure except on a configuration error, hardened.</summary>
public static class SystemdUnit
{
    public static string Render(ServiceDefinition service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var name = service.Product.Name;
        var data = service.DataDirectory;
        var unit = new StringBuilder();
        unit.Append(CultureInfo.InvariantCulture, $"""
            # Written by '{name} service install'; '{name} service uninstall' removes it.
            # Local changes belong in a drop-in ('systemctl edit {service.Product.UnitFileName}'), which a re-install keeps.
            [Unit]
            Description={Escape(service.Product.Description)}
            Wants=network-online.target
            After=network-online.target

            [Service]
            Type=notify
            NotifyAccess=main
            ExecStart={string.Join(' ', new[] { service.Executable }.Concat(service.Arguments).Select(CommandArgument))}
            User={service.User}
            Group={service.User}

            """);
        if (service.SupplementaryGroups.Count > 0)
        {
            unit.Append(CultureInfo.InvariantCulture, $"SupplementaryGroups={string.Join(' ', service.SupplementaryGroups)}\n");
        }
        unit.Append(CultureInfo.InvariantCulture, $"""
            WorkingDirectory={Escape(data)}
            # .NET keeps per-user state under HOME; the account has no home of its own, and ProtectHome hides /home.
            Environment={Argument("HOME=" + data)}
            Restart=on-failure
            RestartSec={Seconds(service.RestartDelay)}
            # A configuration error (exit {ServiceExitCodes.ConfigurationError}) is not restarted: the same file would fail again.
            RestartPreventExitStatus={ServiceExitCodes.ConfigurationError}
            WatchdogSec={Seconds(service.Watchdog)}
            LimitNOFILE={service.OpenFileLimit}
            NoNewPrivileges=true
            ProtectSystem=strict
            ReadWritePaths={Argument(data)}
            ProtectHome=true
            PrivateTmp=true

            [Install]
            WantedBy=multi-user.target

            """);
        return unit.ToString();
    }

    /// <summary>One word of ExecStart=: as <see cref="Argument"/>, and $ doubled, since systemd expands $VARIABLES in command lines.</summary>
    public static string CommandArgument(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Argument(value.Replace("$", "$$", StringComparison.Ordinal));
    }

    /// <summary>A value in a setting that takes a word or a list of them: quoted when it needs to be, specifiers (%) escaped.</summary>
    public static string Argument(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var escaped = Escape(value);
        if (escaped.Length > 0 && !escaped.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or ';'))
        {
            return escaped;
        }
        return '"' + escaped.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + '"';
    }

    /// <summary>Specifiers (%n, %h, …) are expanded in every setting: a literal % is written %%.</summary>
    private static string Escape(string value) => value.Replace("%", "%%", StringComparison.Ordinal);

    private static string Seconds(TimeSpan span) => $"{(long)Math.Ceiling(span.TotalSeconds)}s";
}
