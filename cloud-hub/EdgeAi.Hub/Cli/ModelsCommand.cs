using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace EdgeAi.Hub.Cli;

/// <summary><c>cloud-hub models push|list|show|delete|variant</c>: the model registry of a running hub.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var models = new Command("models", "The hub's model registry: push signed model versions, list, show, delete.");
        models.WithConnection();
        models.Subcommands.Add(Push());
        models.Subcommands.Add(List());
        models.Subcommands.Add(Show());
        models.Subcommands.Add(Delete());
        models.Subcommands.Add(ModelVariantsCommand.Create());
        return models;
    }

    private static Command Push()
    {
        var file = new Argument<FileInfo>("file") { Description = "The ONNX model file (one self-contained .onnx)." };
        var name = new Option<string>("--name") { Description = "Model name (letters, digits, '.', '_', '-').", Required = true };
        var version = new Option<string>("--version") { Description = "Version to register it as; versions are immutable.", Required = true };
        var variant = new Option<string?>("--variant") { Description = "Push FILE as the int8 or fp16 variant of an already registered version (made elsewhere) instead of a new version." };
        var report = new Option<FileInfo?>("--report") { Description = "With --variant: the variant's accuracy report (JSON) to store beside it." };
        var quantize = new Option<string?>("--quantize") { Description = "After pushing fp32, quantize it here (in this process) and push the result as a variant: int8." };
        var calibration = new Option<DirectoryInfo?>("--calibration") { Description = "With --quantize: the calibration set (.npy tensors, or JPEG/PNG images with --preprocess FILE or a preprocess.json in DIR)." };
        var pipeline = new Option<FileInfo?>("--preprocess") { Description = "With --quantize: the images' pre-processing, as a preprocess.json (width, height, letterbox, fill, scale, mean, std, bgr, nhwc, input)." };
        var method = new Option<string?>("--method") { Description = "With --quantize: minmax (default), percentile or entropy." };
        var maxCosineDrop = new Option<double?>("--max-cosine-drop") { Description = "With --quantize: budget, the largest 1 - cosine allowed for any output (e.g. 0.01)." };
        var minTop1 = new Option<double?>("--min-top1-agreement") { Description = "With --quantize: budget, the smallest top-1 agreement with fp32 (0-1, e.g. 0.98)." };
        var exclude = new Option<string[]>("--exclude") { Description = "With --quantize: node names kept fp32 (repeat or comma-separate).", AllowMultipleArgumentsPerToken = true };
        var push = new Command("push", "Upload a model file: the hub hashes, checks, signs and registers it; optionally quantize it to an int8 variant here.")
        {
            file, name, version, variant, report, quantize, calibration, pipeline, method, maxCosineDrop, minTop1, exclude,
        };
        push.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var path = parse.GetRequiredValue(file);
            if (!path.Exists)
            {
                throw new AdminCommandException($"no such file: {path.FullName}");
            }
            var (n, v) = (parse.GetRequiredValue(name), parse.GetRequiredValue(version));
            var versionPath = $"/api/models/{ApiCalls.Escape(n)}/versions/{ApiCalls.Escape(v)}";
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(variant) is { } asVariant)
            {
                if (parse.GetValue(quantize) is not null)
                {
                    throw new AdminCommandException("--variant pushes a file made elsewhere; --quantize makes one from the fp32 file: use one or the other");
                }
                await ModelVariantsCommand.AddAsync(client, versionPath, asVariant, path, parse.GetValue(report), output, error, ct).ConfigureAwait(false);
                return;
            }
            QuantizeRequest? quantizing = null;
            if (parse.GetValue(quantize) is { } target)
            {
                if (target != "int8")
                {
                    throw new AdminCommandException($"--quantize {target} is not supported: the quantizer makes int8 (make fp16 elsewhere and push it with --variant fp16)");
                }
                var set = parse.GetValue(calibration) ?? throw new AdminCommandException("--quantize int8 needs --calibration DIR: a directory of .npy tensors or images");
                quantizing = new QuantizeRequest(set, parse.GetValue(pipeline), parse.GetValue(method), parse.GetValue(maxCosineDrop), parse.GetValue(minTop1), parse.GetValue(exclude) ?? []);
                // Options and pre-processing are checked before the fp32 upload, so a typo costs nothing.
                QuantizeStep.Options(quantizing);
                QuantizeStep.Preprocessing(quantizing.Preprocess);
            }
            var model = await ArtifactUpload.SendFileAsync(client, path, versionPath, error, ct).ConfigureAwait(false);
            await output.WriteLineAsync($"registered {n} {v}: {Size(model.GetProperty("sizeBytes").GetInt64())}, signed by the hub").ConfigureAwait(false);
            await WriteDetailAsync(output, model).ConfigureAwait(false);
            if (quantizing is not null)
            {
                var fp32 = await File.ReadAllBytesAsync(path.FullName, ct).ConfigureAwait(false);
                await QuantizeStep.RunAsync(client, versionPath, fp32, quantizing, output, error, ct).ConfigureAwait(false);
            }
        }, cancellationToken));
        return push;
    }

    private static Command List()
    {
        var list = new Command("list", "List registered model versions.");
        list.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var models = await ApiCalls.GetAsync(client, "/api/models", ct).ConfigureAwait(false);
            if (models.GetArrayLength() == 0)
            {
                await output.WriteLineAsync("no models registered; push one with: cloud-hub models push model.onnx --name NAME --version 1").ConfigureAwait(false);
                return;
            }
            await output.WriteLineAsync($"{"NAME",-24} {"VERSION",-12} {"SIZE",10}  {"SHA256",-12}  {"CREATED",-20}  DEPLOYED").ConfigureAwait(false);
            foreach (var m in models.EnumerateArray())
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{m.GetProperty("name").GetString(),-24} {m.GetProperty("version").GetString(),-12} {Size(m.GetProperty("sizeBytes").GetInt64()),10}  {m.GetProperty("sha256").GetString()![..12],-12}  {m.GetProperty("createdAt").GetDateTimeOffset():yyyy-MM-dd HH:mm:ss}Z  {(m.GetProperty("deployed").GetBoolean() ? "yes" : "no")}"))
                    .ConfigureAwait(false);
            }
        }, cancellationToken));
        return list;
    }

    private static Command Show()
    {
        var (name, version) = NameAndVersion();
        var show = new Command("show", "Show one model version: sha256, signature, inputs and outputs.") { name, version };
        show.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var model = await ApiCalls.GetAsync(client, Path(parse, name, version), ct).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{model.GetProperty("name").GetString()} {model.GetProperty("version").GetString()}: {Size(model.GetProperty("sizeBytes").GetInt64())}, pushed {model.GetProperty("createdAt").GetDateTimeOffset():yyyy-MM-dd HH:mm:ss}Z by {model.GetProperty("createdBy").GetString()}, deployed: {(model.GetProperty("deployed").GetBoolean() ? "yes" : "no")}"))
                .ConfigureAwait(false);
            await WriteDetailAsync(output, model).ConfigureAwait(false);
            if (model.TryGetProperty("signature", out var signature))
            {
                await output.WriteLineAsync($"  signature {signature.GetString()}").ConfigureAwait(false);
            }
            if (model.TryGetProperty("variants", out var variants))
            {
                await ModelVariantsCommand.WriteAsync(output, variants).ConfigureAwait(false);
            }
        }, cancellationToken));
        return show;
    }

    private static Command Delete()
    {
        var (name, version) = NameAndVersion();
        var delete = new Command("delete", "Delete a model version (refused while a deployment or a device's desired state uses it).") { name, version };
        delete.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            await ApiCalls.SendAsync(client, new HttpRequestMessage(HttpMethod.Delete, new Uri(Path(parse, name, version), UriKind.Relative)), ct).ConfigureAwait(false);
            await output.WriteLineAsync($"deleted {parse.GetRequiredValue(name)} {parse.GetRequiredValue(version)}").ConfigureAwait(false);
        }, cancellationToken));
        return delete;
    }

    private static (Argument<string> Name, Argument<string> Version) NameAndVersion() =>
        (new Argument<string>("name") { Description = "Model name." }, new Argument<string>("version") { Description = "Model version." });

    private static string Path(ParseResult parse, Argument<string> name, Argument<string> version) =>
        $"/api/models/{ApiCalls.Escape(parse.GetRequiredValue(name))}/versions/{ApiCalls.Escape(parse.GetRequiredValue(version))}";

    private static async Task WriteDetailAsync(TextWriter output, JsonElement model)
    {
        await output.WriteLineAsync($"  sha256 {model.GetProperty("sha256").GetString()}").ConfigureAwait(false);
        foreach (var (label, property) in new[] { ("input ", "inputs"), ("output", "outputs") })
        {
            foreach (var tensor in model.GetProperty(property).EnumerateArray())
            {
                var shape = string.Join(",", tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64() < 0 ? "?" : d.GetInt64().ToString(CultureInfo.InvariantCulture)));
                await output.WriteLineAsync($"  {label} {tensor.GetProperty("name").GetString()} {tensor.GetProperty("datatype").GetString()} [{shape}]").ConfigureAwait(false);
            }
        }
    }

    public static string Size(long bytes) => bytes switch
    {
        < 10_000 => $"{bytes} B",
        < 10_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:F1} kB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F1} MB"),
    };
}
