using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeAi.Common.Service;

/// <summary>
/// The sc.exe command lines for a Windows service. sc.exe wants each option as two words, the name with its
/// '=' and then the value ("binPath=", "C:\…"). Pure functions: they are unit-tested here, not run (no Windows).
/// </summary>
public static partial class WindowsServiceCommands
{
    public const string Program = "sc.exe";

    /// <summary>create (automatic start), description, restart on failure (non-zero exit included), and start unless told not to.</summary>
    public static IReadOnlyList<ExternalCommand> Install(ServiceDefinition service, bool start)
    {
        ArgumentNullException.ThrowIfNull(service);
        var name = service.Product.Name;
        List<string> create = ["create", name, "binPath=", BinaryPath(service), "start=", "auto", "DisplayName=", service.Product.Description];
        if (service.User.Length > 0)
        {
            create.AddRange(["obj=", service.User]);
        }
        var delay = ((long)service.RestartDelay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        List<ExternalCommand> commands =
        [
            new(Program, create),
            new(Program, "description", name, service.Product.Description),
            // Three restarts, the failure count reset after a day without one.
            new(Program, "failure", name, "reset=", "86400", "actions=", $"restart/{delay}/restart/{delay}/restart/{delay}"),
            // Without this flag the actions apply to crashes only, not to a service that stops with a non-zero exit code.
            new(Program, "failureflag", name, "1"),
        ];
        if (start)
        {
            commands.Add(new(Program, "start", name));
        }
        return commands;
    }

    /// <summary>stop (its failure ignored: the service may not run), then delete.</summary>
    public static IReadOnlyList<ExternalCommand> Uninstall(ServiceProduct product)
    {
        ArgumentNullException.ThrowIfNull(product);
        return [new(Program, "stop", product.Name), new(Program, "delete", product.Name)];
    }

    public static ExternalCommand Query(ServiceProduct product)
    {
        ArgumentNullException.ThrowIfNull(product);
        return new(Program, "query", product.Name);
    }

    /// <summary>The state word from sc.exe query's "STATE : 4  RUNNING" line; null when there is none.</summary>
    public static string? State(string queryOutput) =>
        StateLine().Match(queryOutput ?? "") is { Success: true } match ? match.Groups[1].Value : null;

    /// <summary>The service's command line: the executable and each argument quoted as the Windows C runtime splits them.</summary>
    public static string BinaryPath(ServiceDefinition service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return string.Join(' ', new[] { service.Executable }.Concat(service.Arguments).Select(Quote));
    }

    /// <summary>Quotes a word when it has spaces or quotes: backslashes before a quote are doubled, the quote escaped.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Length > 0 && !word.Any(c => c is ' ' or '\t' or '"'))
        {
            return word;
        }
        var quoted = new StringBuilder("\"");
        var backslashes = 0;
        foreach (var c in word)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }
            quoted.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes).Append(c);
            backslashes = 0;
        }
        return quoted.Append('\\', backslashes * 2).Append('"').ToString();
    }

    [GeneratedRegex(@"STATE\s*:\s*\d+\s+([A-Z_]+)")]
    private static partial Regex StateLine();
}
