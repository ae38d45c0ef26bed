using System.CommandLine;
using EdgeAi.Agent.Pipelines;
using EdgeAi.Serving.Store;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Agent.Cli;

/// <summary><c>edge-agent models list|add|remove|sample|quantize</c>: manage the model store, and make INT8 variants. A running agent picks changes up on its next rescan.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "List, add and remove installed models; show a running agent's model statistics; write sample models; quantize a model to INT8.") { List(), Add(), Remove(), Sample(), ModelsStatsCommand.Create(), QuantizeCommand.Create() };
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List installed models and versions, then the configured image pipelines and the model each needs.");
        command.SetAction(parse =>
        {
            var configuration = AgentCli.LocalConfiguration(parse);
            var dataDirectory = AgentCli.DataDirectoryOf(configuration);
            var store = new ModelStore(Path.Combine(dataDirectory, "models"), TimeProvider.System);
            ListModels(store);
            return PipelineListing.Write(Console.Out, PipelineListing.Read(configuration), store, dataDirectory);
        });
        return command;
    }

    private static void ListModels(ModelStore store)
    {
        var models = store.List();
        if (models.Count == 0)
        {
            Console.WriteLine($"no models installed in {store.Root}");
            return;
        }
        Console.WriteLine($"{"NAME",-24} {"VERSION",-8} {"FLEET",-8} {"SIZE",10} {"SHA256",-14} INPUTS -> OUTPUTS");
        foreach (var m in models)
        {
            // The hub's reconciler serves only a model's active version; others are kept for rollback.
            var fleet = store.ReadActive(m.Name) switch
            {
                null => "-",
                var active when active == m.Version => "active",
                _ => "kept",
            };
            if (m.Manifest is null)
            {
                Console.WriteLine($"{m.Name,-24} {m.Version,-8} {fleet,-8} {"?",10} {"?",-14} {m.Error}");
                continue;
            }
            Console.WriteLine($"{m.Name,-24} {m.Version,-8} {fleet,-8} {FormatSize(m.Manifest.SizeBytes),10} {m.Manifest.Sha256[..12] + "…",-14} "
                + $"{Describe(m.Manifest.Inputs)} -> {Describe(m.Manifest.Outputs)}");
        }
    }

    private static Command Add()
    {
        var file = new Argument<FileInfo>("file") { Description = "The .onnx file to install." };
        var name = new Option<string?>("--name") { Description = "Model name (default: the file name without extension)." };
        var version = new Option<string?>("--version") { Description = "Version (default: one more than the highest installed)." };
        var command = new Command("add", "Validate an ONNX model and copy it into the store.") { file, name, version };
        command.SetAction(parse =>
        {
            var source = parse.GetRequiredValue(file);
            var modelName = parse.GetValue(name) ?? Path.GetFileNameWithoutExtension(source.Name);
            try
            {
                var stored = OpenStore(parse).Add(source.FullName, modelName, parse.GetValue(version), TryLoad);
                Console.WriteLine($"installed {stored.Name} version {stored.Version} ({FormatSize(stored.Manifest!.SizeBytes)}, sha256 {stored.Manifest.Sha256})");
                Console.WriteLine($"  inputs:  {Describe(stored.Manifest.Inputs)}");
                Console.WriteLine($"  outputs: {Describe(stored.Manifest.Outputs)}");
                if (OpenStore(parse).ReadActive(stored.Name) is { } active && active != stored.Version)
                {
                    Console.WriteLine($"  note: the hub manages '{stored.Name}' (active version: {(active.Length == 0 ? "none" : active)}); this version is kept, not served");
                }
                return 0;
            }
            catch (ModelStoreException e)
            {
                Console.Error.WriteLine($"edge-agent: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("name") { Description = "Model name." };
        var version = new Option<string?>("--version") { Description = "Remove only this version (default: all versions)." };
        var command = new Command("remove", "Remove a model, or one of its versions, from the store.") { name, version };
        command.SetAction(parse =>
        {
            var modelName = parse.GetRequiredValue(name);
            var modelVersion = parse.GetValue(version);
            if (!OpenStore(parse).Remove(modelName, modelVersion))
            {
                Console.Error.WriteLine($"edge-agent: model '{modelName}'{(modelVersion is null ? "" : $" version {modelVersion}")} is not installed");
                return 1;
            }
            Console.WriteLine($"removed {modelName}{(modelVersion is null ? " (all versions)" : $" version {modelVersion}")}");
            return 0;
        });
        return command;
    }

    private static Command Sample()
    {
        var kind = new Argument<string>("kind") { Description = "classifier (fp32, 4 features → 3 classes), classifier-int8 (the same, INT8 QDQ) or scale (y = x × factor)." };
        kind.AcceptOnlyFromAmong("classifier", "classifier-int8", "scale");
        var output = new Option<FileInfo>("--out") { Description = "The .onnx file to write.", Required = true };
        var factor = new Option<float>("--factor") { Description = "For scale: the factor (default 2), so two versions can differ.", DefaultValueFactory = _ => 2f };
        var command = new Command("sample", "Write a small sample ONNX model, for trying EdgeAi without downloading one.") { kind, output, factor };
        command.SetAction(parse =>
        {
            var bytes = parse.GetRequiredValue(kind) switch
            {
                "classifier" => Common.Onnx.SampleModels.Classifier(),
                "classifier-int8" => Common.Onnx.SampleModels.ClassifierInt8Qdq(),
                _ => Common.Onnx.SampleModels.Scale(parse.GetValue(factor)),
            };
            var file = parse.GetRequiredValue(output);
            File.WriteAllBytes(file.FullName, bytes);
            Console.WriteLine($"wrote {file.FullName} ({FormatSize(bytes.Length)})");
            return 0;
        });
        return command;
    }

    /// <summary>Refuses a model ONNX Runtime cannot load (unsupported operator, bad graph) before it is installed.</summary>
    internal static void TryLoad(string path)
    {
        try
        {
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
            using var session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelStoreException($"ONNX Runtime cannot load the model: {e.Message.Split('\n', 2)[0]}", e);
        }
    }

    private static ModelStore OpenStore(ParseResult parse) =>
        new(Path.Combine(AgentCli.ResolveDataDirectory(parse), "models"), TimeProvider.System);

    private static string Describe(IEnumerable<ManifestTensor> tensors) =>
        string.Join(", ", tensors.Select(t => $"{t.Name} {t.Datatype}[{string.Join(",", t.Shape)}]"));

    internal static string FormatSize(long bytes) => bytes switch
    {
        >= 1 << 20 => $"{bytes / (1024.0 * 1024):0.0} MiB",
        >= 1 << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
