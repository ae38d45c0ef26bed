using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace EdgeAi.Hub.Cli;

/// <summary><c>cloud-hub models variant add|list|delete</c>: a version's int8 and fp16 artifacts beside its fp32 one.</summary>
internal static class ModelVariantsCommand
{
    public static Command Create()
    {
        var variant = new Command("variant", "A version's variants: int8 and fp16 artifacts beside fp32, which devices get by their execution providers.");
        variant.Subcommands.Add(Add());
        variant.Subcommands.Add(List());
        variant.Subcommands.Add(Delete());
        return variant;
    }

    /// <summary>Uploads a variant file (and its report, when given) to a registered version.</summary>
    public static async Task AddAsync(HttpClient client, string versionPath, string variant, FileInfo file, FileInfo? report, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(output);
        if (!file.Exists)
        {
            throw new AdminCommandException($"no such file: {file.FullName}");
        }
        if (report is { Exists: false })
        {
            throw new AdminCommandException($"no such file: {report.FullName} (--report)");
        }
        var variantPath = $"{versionPath}/variants/{ApiCalls.Escape(variant)}";
        var view = await ArtifactUpload.SendFileAsync(client, file, variantPath, error, cancellationToken).ConfigureAwait(false);
        if (report is not null)
        {
            view = await ArtifactUpload.PutReportAsync(client, variantPath, await File.ReadAllTextAsync(report.FullName, cancellationToken).ConfigureAwait(false), cancellationToken)
                .ConfigureAwait(false);
        }
        await output.WriteLineAsync($"registered the {variant} variant: {ModelsCommand.Size(view.GetProperty("sizeBytes").GetInt64())}, signed by the hub, {QuantizeStep.Summary(view)}")
            .ConfigureAwait(false);
        await output.WriteLineAsync($"  sha256 {view.GetProperty("sha256").GetString()}").ConfigureAwait(false);
    }

    /// <summary>One line per variant: size, sha256 prefix and the report's headline figures.</summary>
    public static async Task WriteAsync(TextWriter output, JsonElement variants)
    {
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteLineAsync("  variants:").ConfigureAwait(false);
        foreach (var v in variants.EnumerateArray())
        {
            var name = v.GetProperty("variant").GetString();
            var summary = name == "fp32" ? "the version's own artifact" : QuantizeStep.Summary(v);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"    {name,-5} {ModelsCommand.Size(v.GetProperty("sizeBytes").GetInt64()),10}  sha256 {v.GetProperty("sha256").GetString()![..12]}  {summary}")).ConfigureAwait(false);
        }
    }

    private static Command Add()
    {
        var (name, version) = NameAndVersion();
        var variant = new Option<string>("--variant") { Description = "int8 or fp16.", Required = true };
        var file = new Argument<FileInfo>("file") { Description = "The variant's ONNX file: same inputs and outputs as the version." };
        var report = new Option<FileInfo?>("--report") { Description = "Its accuracy report (JSON), stored beside it." };
        var add = new Command("add", "Upload an int8 or fp16 artifact made elsewhere as a variant of a registered version.") { name, version, file, variant, report };
        add.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, (client, output, ct) =>
            AddAsync(client, VersionPath(parse, name, version), parse.GetRequiredValue(variant), parse.GetRequiredValue(file), parse.GetValue(report), output,
                parse.InvocationConfiguration.Error, ct), cancellationToken));
        return add;
    }

    private static Command List()
    {
        var (name, version) = NameAndVersion();
        var list = new Command("list", "List a version's variants with their accuracy report summary.") { name, version };
        list.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var variants = await ApiCalls.GetAsync(client, VersionPath(parse, name, version) + "/variants", ct).ConfigureAwait(false);
            await WriteAsync(output, variants).ConfigureAwait(false);
        }, cancellationToken));
        return list;
    }

    private static Command Delete()
    {
        var (name, version) = NameAndVersion();
        var variant = new Argument<string>("variant") { Description = "int8 or fp16." };
        var delete = new Command("delete", "Delete one variant (refused while a device's desired state or an open deployment names it).") { name, version, variant };
        delete.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            var path = $"{VersionPath(parse, name, version)}/variants/{ApiCalls.Escape(parse.GetRequiredValue(variant))}";
            await ApiCalls.SendAsync(client, new HttpRequestMessage(HttpMethod.Delete, new Uri(path, UriKind.Relative)), ct).ConfigureAwait(false);
            await output.WriteLineAsync($"deleted the {parse.GetRequiredValue(variant)} variant of {parse.GetRequiredValue(name)} {parse.GetRequiredValue(version)}").ConfigureAwait(false);
        }, cancellationToken));
        return delete;
    }

    private static (Argument<string> Name, Argument<string> Version) NameAndVersion() =>
        (new Argument<string>("name") { Description = "Model name." }, new Argument<string>("version") { Description = "Model version." });

    private static string VersionPath(ParseResult parse, Argument<string> name, Argument<string> version) =>
        $"/api/models/{ApiCalls.Escape(parse.GetRequiredValue(name))}/versions/{ApiCalls.Escape(parse.GetRequiredValue(version))}";
}
