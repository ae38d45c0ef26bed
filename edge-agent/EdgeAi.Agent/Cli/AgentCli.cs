using System.CommandLine;
using EdgeAi.Agent.Hosting;

namespace EdgeAi.Agent.Cli;

/// <summary>The edge-agent command line: run, models, infer, quickstart, enroll, gpio, rules.</summary>
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
    public static string ResolveDataDirectory(ParseResult parse)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables("EDGEAI_")
            .AddInMemoryCollection(Overrides(parse))
            .Build();
        return configuration["Agent:DataDirectory"] is { Length: > 0 } configured ? configured : AgentOptions.DefaultDataDirectory();
    }
}
