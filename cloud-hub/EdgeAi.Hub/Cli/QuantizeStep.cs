using System.Globalization;
using System.Text.Json;
using EdgeAi.Hub.Registry;
using EdgeAi.Quantization;
using EdgeAi.Quantization.Accuracy;
using EdgeAi.Quantization.Inputs;

namespace EdgeAi.Hub.Cli;

/// <summary>What <c>models push --quantize int8</c> was told: the calibration set and the quantizer's options.</summary>
internal sealed record QuantizeRequest(
    DirectoryInfo Calibration, FileInfo? Preprocess, string? Method, double? MaxCosineDrop, double? MinTop1Agreement, IReadOnlyList<string> Exclude);

/// <summary>
/// Quantizes the pushed fp32 file in the CLI's own process (the hub never runs a calibration) and uploads
/// the int8 model as the version's int8 variant, then its accuracy report. A quantizer refusal
/// (<see cref="QuantizationException"/>) names what was wrong; the fp32 version stays registered.
/// </summary>
internal static class QuantizeStep
{
    public static QuantizationOptions Options(QuantizeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = new QuantizationOptions
        {
            MaxCosineDrop = request.MaxCosineDrop,
            MinTop1Agreement = request.MinTop1Agreement,
            ExcludeNodes = request.Exclude.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal),
        };
        if (request.Method is { } method)
        {
            options.Method = Enum.TryParse<CalibrationMethod>(method, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
                ? parsed
                : throw new AdminCommandException($"--method '{method}' is unknown: use {string.Join(", ", Enum.GetNames<CalibrationMethod>().Select(n => n.ToLowerInvariant()))}");
        }
        if (request.MaxCosineDrop is < 0 or > 1)
        {
            throw new AdminCommandException(string.Create(CultureInfo.InvariantCulture, $"--max-cosine-drop {request.MaxCosineDrop} must be from 0 to 1 (e.g. 0.01)"));
        }
        if (request.MinTop1Agreement is < 0 or > 1)
        {
            throw new AdminCommandException(string.Create(CultureInfo.InvariantCulture, $"--min-top1-agreement {request.MinTop1Agreement} must be from 0 to 1 (e.g. 0.98)"));
        }
        return options;
    }

    /// <summary>Reads --preprocess: the images' pre-processing, in the format of a calibration directory's preprocess.json.</summary>
    public static ImagePreprocessing? Preprocessing(FileInfo? file)
    {
        if (file is null)
        {
            return null;
        }
        try
        {
            return CalibrationDirectory.ReadPreprocessing(file.FullName);
        }
        catch (QuantizationException e)
        {
            throw new AdminCommandException($"--preprocess: {e.Message}");
        }
    }

    /// <summary>Quantizes <paramref name="fp32"/>, uploads the int8 variant and its report; returns the variant's view.</summary>
    public static async Task<JsonElement> RunAsync(HttpClient client, string versionPath, byte[] fp32, QuantizeRequest request, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!request.Calibration.Exists)
        {
            throw new AdminCommandException($"no such directory: {request.Calibration.FullName} (--calibration)");
        }
        var options = Options(request);
        var images = Preprocessing(request.Preprocess);
        QuantizationResult result;
        try
        {
            var source = CalibrationDirectory.Open(request.Calibration.FullName, fp32, images);
            var progress = new Progress<string>(line => error.WriteLine($"quantize: {line}"));
            // The quantizer is synchronous and CPU-bound; off the caller's thread so Ctrl+C is heard.
            result = await Task.Run(() => ModelQuantizer.Quantize(fp32, source, options, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (QuantizationException e)
        {
            throw new AdminCommandException($"quantization refused: {e.Message} (the fp32 version stays registered; retry with 'cloud-hub models variant add')");
        }
        var variantPath = $"{versionPath}/variants/int8";
        var variant = await ArtifactUpload.SendBytesAsync(client, result.Model, variantPath, cancellationToken).ConfigureAwait(false);
        var report = JsonSerializer.Serialize(result.Report, QuantizationJson.Default.AccuracyReport);
        variant = await ArtifactUpload.PutReportAsync(client, variantPath, report, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"registered the int8 variant: {result.Model.Length} bytes, {Summary(variant)}").ConfigureAwait(false);
        return variant;
    }

    public static string Summary(JsonElement variant)
    {
        if (!variant.TryGetProperty("report", out var report) || report.ValueKind != JsonValueKind.Object)
        {
            return "no accuracy report";
        }
        return ReportSummaries.Describe(ReportSummaries.Of(report));
    }

}
