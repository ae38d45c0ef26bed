using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Quantization.Inputs;

/// <summary>
/// <c>preprocess.json</c> in a calibration directory: the fields of <see cref="ImagePreprocessing"/>, camelCase,
/// e.g. <c>{"width": 224, "height": 224, "bgr": true, "mean": [103.06, 115.90, 123.15]}</c>. Unset fields take a
/// pipeline's defaults (stretch, fill 0, scale 1, no mean, std 1, RGB, NCHW, the model's only input); an unknown
/// field is an error, so a misspelt one is not silently ignored.
/// </summary>
internal sealed class PreprocessFile
{
    public const string Name = "preprocess.json";

    public int Width { get; set; }

    public int Height { get; set; }

    public bool Letterbox { get; set; }

    public int Fill { get; set; }

    public float Scale { get; set; } = 1f;

    public float[] Mean { get; set; } = [];

    public float[] Std { get; set; } = [];

    public bool Bgr { get; set; }

    public bool Nhwc { get; set; }

    public string? Input { get; set; }

    public static ImagePreprocessing Read(string path)
    {
        PreprocessFile? file;
        try
        {
            file = JsonSerializer.Deserialize(File.ReadAllBytes(path), PreprocessJsonContext.Default.PreprocessFile);
        }
        catch (JsonException e)
        {
            throw new QuantizationException($"{path}: not valid pre-processing JSON: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QuantizationException($"{path}: cannot be read: {e.Message}", e);
        }
        if (file is null)
        {
            throw new QuantizationException($"{path}: holds null; expected an object such as {{\"width\": 224, \"height\": 224}}");
        }
        return new ImagePreprocessing(file.Width, file.Height, file.Letterbox, file.Fill, file.Scale, file.Mean ?? [], file.Std ?? [], file.Bgr, file.Nhwc, file.Input);
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(PreprocessFile))]
internal sealed partial class PreprocessJsonContext : JsonSerializerContext;
