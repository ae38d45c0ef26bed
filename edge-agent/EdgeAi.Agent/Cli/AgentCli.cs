using System.CommandLine;
using EdgeAi.Agent.Hosting;

namespace EdgeAi.Agent.Cli;

/// <summary>The edge-agent command line: run, models (incl. quantize), infer, quickstart, enroll, gpio, rules, check, support-bundle.</summary>
internal static class AgentCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "EdgeAi edge agent: serves ONNX models on this device through the Open Inference Protocol (KServe v2), gRPC and REST.")
        {
            RunCommand.Create(),
            ModelsCommand.Create(),
            InferCommand.Create(),
            QuickstartCommand.Create(),
            EnrollCommand.Create(),
            GpioCommand.Create(),
            RulesCommand.Create(),
            CheckCommand.Create(),
            SupportBundleCommand.Create(),
            Service.AgentService.Command(DataDirectory),
        };
        root.Options.Add(DataDirectory);
        return root;
    }

    public static readonly Option<string?> DataDirectory = new("--data-dir")
    {
        Description = "Data directory (models, state). Default: Agent:DataDirectory from configuration, else ~/.local/share/edgeai.",
        Recursive = true,
    };

    /// <summary>Configuration overrides from options that were given on the command line.</summary>
    public static Dictionary<string, string?> Overrides(ParseResult parse)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (parse.GetValue(DataDirectory) is { } dataDir)
        {
            overrides["Agent:DataDirectory"] = Path.GetFullPath(dataDir);
        }
        return overrides;
    }

    /// <summary>The data directory as the agent would use it: --data-dir, else Agent:DataDirectory (appsettings.json, EDGEAI_ environment), else the default.</summary>
    public static string ResolveDataDirectory(ParseResult parse) => DataDirectoryOf(LocalConfiguration(parse));

    public static string DataDirectoryOf(IConfiguration configuration) =>
        configuration["Agent:DataDirectory"] is { Length: > 0 } configured ? configured : AgentOptions.DefaultDataDirectory();

    /// <summary>The agent's local configuration (appsettings.json beside the executable, EDGEAI_ environment, the command line), as <c>run</c> reads it.</summary>
    public static IConfiguration LocalConfiguration(ParseResult parse) =>
        new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables("EDGEAI_")
            .AddInMemoryCollection(Overrides(parse))
            .Build();
}
