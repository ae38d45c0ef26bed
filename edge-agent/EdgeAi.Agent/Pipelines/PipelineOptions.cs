namespace EdgeAi.Agent.Pipelines;

/// <summary>
/// Every image pipeline, by name: <c>Pipelines:{name}:Model</c>, <c>Resize</c>, <c>Normalize</c>, <c>Post</c>,
/// <c>Limits</c>. Local configuration only (appsettings.json, environment, command line): a pipeline names
/// files on the device (its labels) and is read once at start, so the hub's twin cannot set it.
/// </summary>
internal sealed class PipelinesOptions
{
    public const string Section = "Pipelines";

    public Dictionary<string, PipelineOptions> Pipelines { get; } = new(StringComparer.Ordinal);
}

/// <summary>One pipeline: an encoded image in, decode → resize → normalize → model (through the router) → post-processing.</summary>
internal sealed class PipelineOptions
{
    /// <summary>The model the tensor goes to, by name, served like any request: local-first, cloud fallback.</summary>
    public string Model { get; set; } = "";

    /// <summary>A fixed model version; unset: the version a plain request for the model gets.</summary>
    public string? ModelVersion { get; set; }

    public ResizeOptions Resize { get; set; } = new();

    public NormalizeOptions Normalize { get; set; } = new();

    public PostOptions Post { get; set; } = new();

    public ImageLimits Limits { get; set; } = new();
}

internal enum ResizeMode
{
    /// <summary>Scale each axis to the target size; the aspect ratio is not kept.</summary>
    Stretch,

    /// <summary>Scale to fit inside the target keeping the aspect ratio, centred, the rest filled with <see cref="ResizeOptions.Fill"/>.</summary>
    Letterbox,
}

internal sealed class ResizeOptions
{
    public int Width { get; set; }

    public int Height { get; set; }

    public ResizeMode Mode { get; set; } = ResizeMode.Stretch;

    /// <summary>The pixel value (0–255, every channel, before normalization) of letterbox bars.</summary>
    public int Fill { get; set; }
}

internal enum ChannelOrder
{
    Rgb,
    Bgr,
}

internal enum TensorLayout
{
    /// <summary>[1, 3, height, width]: channel planes.</summary>
    Nchw,

    /// <summary>[1, height, width, 3]: interleaved pixels.</summary>
    Nhwc,
}

internal enum PixelDatatype
{
    Fp32,
    Fp16,

    /// <summary>Pixels as they are (0–255): the model normalizes itself.</summary>
    UInt8,
}

/// <summary>value = (pixel × Scale − Mean[c]) / Std[c], per tensor channel c in <see cref="Order"/>.</summary>
internal sealed class NormalizeOptions
{
    /// <summary>The model input the tensor goes to; unset: the model's only input.</summary>
    public string? Input { get; set; }

    public float Scale { get; set; } = 1f;

    /// <summary>One value for every channel, or three in tensor channel order (after <see cref="Order"/>).</summary>
    public float[] Mean { get; set; } = [];

    /// <summary>One value for every channel, or three in tensor channel order; none: 1.</summary>
    public float[] Std { get; set; } = [];

    public ChannelOrder Order { get; set; } = ChannelOrder.Rgb;

    public TensorLayout Layout { get; set; } = TensorLayout.Nchw;

    public PixelDatatype Datatype { get; set; } = PixelDatatype.Fp32;
}

/// <summary>Classifier post-processing of one score output into labels, scores and indices, best first.</summary>
internal sealed class PostOptions
{
    /// <summary>Off: the response carries the model's own outputs as the model gives them.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The model output holding the class scores; unset: the model's first output.</summary>
    public string? Output { get; set; }

    /// <summary>Turn logits into probabilities first (off for models that end in a softmax).</summary>
    public bool Softmax { get; set; }

    /// <summary>How many classes to return, best first; 0: all.</summary>
    public int TopK { get; set; } = 5;

    /// <summary>A text file, one label per line, line i naming class i; unset: labels are the class index as text.</summary>
    public string? LabelsFile { get; set; }

    /// <summary>Return only classes scoring at least this (so k may be 0); unset: no threshold.</summary>
    public float? Threshold { get; set; }
}

/// <summary>What one request may make the agent hold: checked before the image is decoded.</summary>
internal sealed class ImageLimits
{
    public const int DefaultMaxEncodedBytes = 16 << 20;
    public const long DefaultMaxPixels = 25_000_000;

    /// <summary>Largest encoded image (JPEG or PNG bytes).</summary>
    public int MaxEncodedBytes { get; set; } = DefaultMaxEncodedBytes;

    /// <summary>Largest width × height, read from the image header before any pixel buffer is allocated (3 bytes each once decoded).</summary>
    public long MaxPixels { get; set; } = DefaultMaxPixels;
}
