using System.CommandLine;
using System.Net.Http.Headers;
using EdgeAi.Common.Security;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Security;

namespace EdgeAi.Hub.Cli;

/// <summary>
/// How the admin commands (tokens, devices, models, deployments) reach a running hub: its admin REST
/// API, with the admin key. On the hub's own machine the defaults find everything in its data
/// directory (admin.key, hub-ca.crt), so <c>cloud-hub tokens create</c> works with no flags.
/// </summary>
internal static class AdminConnection
{
    public const string AdminKeyFileName = "admin.key";

    public static readonly Option<string?> HubUrl = new("--hub")
    {
        Description = "The hub's address (default: EDGEAI_HUB_URL, else https://127.0.0.1:5001).",
        Recursive = true,
    };

    public static readonly Option<string?> AdminKey = new("--admin-key")
    {
        Description = "Admin API key (default: EDGEAI_HUB_ADMIN_KEY, else admin.key in the hub's data directory).",
        Recursive = true,
    };

    public static readonly Option<string?> CaCertificate = new("--ca-cert")
    {
        Description = "PEM the hub's certificate must chain to (default: hub-ca.crt in the hub's data directory, else the system store).",
        Recursive = true,
    };

    public static readonly Option<bool> Insecure = new("--insecure")
    {
        Description = "Development only: accept any certificate the hub presents.",
        Recursive = true,
    };

    public static readonly Option<string?> DataDirectory = new("--data-dir")
    {
        Description = "The hub's data directory, where admin.key and hub-ca.crt are found (default: Hub:DataDirectory, else ~/.local/share/edgeai-hub).",
        Recursive = true,
    };

    /// <summary>Adds the connection options to an admin command group.</summary>
    public static T WithConnection<T>(this T command)
        where T : Command
    {
        command.Options.Add(DataDirectory);
        command.Options.Add(HubUrl);
        command.Options.Add(AdminKey);
        command.Options.Add(CaCertificate);
        command.Options.Add(Insecure);
        return command;
    }

    /// <summary>An HTTP client for the admin API and the check it applies to the hub's certificate, or an error message naming what is missing.</summary>
    public static (HttpClient Client, HubCertificateValidator Trust) Create(ParseResult parse, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var url = parse.GetValue(HubUrl) ?? Environment.GetEnvironmentVariable("EDGEAI_HUB_URL") ?? "https://127.0.0.1:5001";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("https" or "http"))
        {
            throw new AdminCommandException($"--hub '{url}' must be an absolute https:// (or, for development, http://) address");
        }
        var key = parse.GetValue(AdminKey) ?? Environment.GetEnvironmentVariable("EDGEAI_HUB_ADMIN_KEY") ?? ReadKeyFile(dataDirectory)
            ?? throw new AdminCommandException(
                $"no admin key: pass --admin-key, set EDGEAI_HUB_ADMIN_KEY, or run on the hub's machine (looked for {Path.Combine(dataDirectory, AdminKeyFileName)})");
        var ca = parse.GetValue(CaCertificate);
        if (ca is null && File.Exists(Path.Combine(dataDirectory, HubCertificate.PublicCertificateFileName)))
        {
            ca = Path.Combine(dataDirectory, HubCertificate.PublicCertificateFileName);
        }
        var validator = new HubCertificateValidator(null, ca, parse.GetValue(Insecure));
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => validator.Validate(certificate, chain, errors);
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        client.DefaultRequestHeaders.Add(AuditLog.ActorHeader, Environment.UserName);
        return (client, validator);
    }

    /// <summary>An HTTP client for the admin API, with the data directory from --data-dir, configuration (appsettings.json, EDGEAI_Hub__DataDirectory) or the default.</summary>
    public static (HttpClient Client, HubCertificateValidator Trust) Create(ParseResult parse) => Create(parse, DataDirectoryOf(parse));

    public static string DataDirectoryOf(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.GetValue(DataDirectory) is { } given)
        {
            return Path.GetFullPath(given);
        }
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables("EDGEAI_")
            .Build();
        return configuration[$"{Hosting.HubOptions.Section}:{nameof(Hosting.HubOptions.DataDirectory)}"] ?? new Hosting.HubOptions().DataDirectory;
    }

    private static string? ReadKeyFile(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, AdminKeyFileName);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }
}

/// <summary>An admin command could not run; the message says why and is printed without a stack trace.</summary>
internal sealed class AdminCommandException(string message) : Exception(message);
