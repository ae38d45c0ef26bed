using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace EdgeAi.Hub.Cli;

/// <summary><c>cloud-hub models push|list|show|delete</c>: the model registry of a running hub.</summary>
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
        return models;
    }

    private static Command Push()
    {
        var file = new Argument<FileInfo>("file") { Description = "The ONNX model file (one self-contained .onnx)." };
        var name = new Option<string>("--name") { Description = "Model name (letters, digits, '.', '_', '-').", Required = true };
        var version = new Option<string>("--version") { Description = "Version to register it as; versions are immutable.", Required = true };
        var push = new Command("push", "Upload a model file: the hub hashes, checks, signs and registers it.") { file, name, version };
        push.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var path = parse.GetRequiredValue(file);
            if (!path.Exists)
            {
                throw new AdminCommandException($"no such file: {path.FullName}");
            }
            var (n, v) = (parse.GetRequiredValue(name), parse.GetRequiredValue(version));
            var error = parse.InvocationConfiguration.Error;
            var progress = new UploadProgress(path.Length, error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected, TimeProvider.System);
            var content = new StreamContent(new ProgressStream(path.OpenRead(), progress), 1 << 20);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.ContentLength = path.Length;
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/models/{ApiCalls.Escape(n)}/versions/{ApiCalls.Escape(v)}", UriKind.Relative))
            {
                Content = content,
            };
            // The hub answers a taken version or a bad name before any byte is sent.
            request.Headers.ExpectContinue = true;
            JsonElement model;
            try
            {
                model = await ApiCalls.SendAsync(client, request, ct).ConfigureAwait(false);
            }
            finally
            {
                progress.Done();
            }
            await output.WriteLineAsync($"registered {n} {v}: {Size(model.GetProperty("sizeBytes").GetInt64())}, signed by the hub").ConfigureAwait(false);
            await WriteDetailAsync(output, model).ConfigureAwait(false);
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

    private static string Size(long bytes) => bytes switch
    {
        < 10_000 => $"{bytes} B",
        < 10_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:F1} kB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F1} MB"),
    };
}
