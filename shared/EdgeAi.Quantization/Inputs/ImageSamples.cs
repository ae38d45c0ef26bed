using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Imaging;
using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Inputs;

/// <summary>How every image of a directory becomes the model's input: the pre-processing checked against that input.</summary>
internal sealed record ImageRecipe(ImagePreprocessing Preprocessing, OnnxTensorInfo Input, PixelTransform Transform, long[] Shape, string Origin)
{
    /// <summary>As the agent's pipelines allow by default (Limits:MaxPixels): a larger photo is refused before it is decoded.</summary>
    public const long MaxPixels = 25_000_000;

    public static ImageRecipe For(ImagePreprocessing p, IReadOnlyList<OnnxTensorInfo> inputs, string origin)
    {
        ArgumentNullException.ThrowIfNull(p);
        var where = $"pre-processing ({origin})";
        Validate(p, where);
        OnnxTensorInfo input;
        if (p.Input is { } named)
        {
            input = inputs.FirstOrDefault(i => i.Name == named)
                ?? throw new QuantizationException($"{where} names input '{named}', but the model's inputs are {string.Join(", ", inputs.Select(ModelInputs.Describe))}");
        }
        else
        {
            input = inputs[0];
        }
        if (inputs.Count != 1)
        {
            throw new QuantizationException(
                $"images feed one input, but the model has {inputs.Count} ({string.Join(", ", inputs.Select(ModelInputs.Describe))}); give .npy sample folders, one .npy per input");
        }
        TensorDatatype datatype = input.ElementType switch
        {
            OnnxElementType.Float => TensorDatatype.Fp32,
            OnnxElementType.Float16 => TensorDatatype.Fp16,
            OnnxElementType.UInt8 => TensorDatatype.UInt8,
            _ => throw new QuantizationException($"model input {ModelInputs.Describe(input)} takes no image: pixels become FP32, FP16 or UINT8 tensors"),
        };
        var shape = PixelTensor.ShapeOf(p.Nhwc, p.Width, p.Height);
        if (ModelInputs.Misfit(input, input.ElementType, shape) is { } misfit)
        {
            throw new QuantizationException(
                $"{where} makes {(p.Nhwc ? "NHWC" : "NCHW")} {p.Width} × {p.Height} images, {misfit}");
        }
        var transform = new PixelTransform(p.Scale, p.Mean ?? [], p.Std ?? [], p.Bgr, p.Nhwc, datatype);
        return new ImageRecipe(p, input, transform, shape, origin);
    }

    private static void Validate(ImagePreprocessing p, string where)
    {
        var errors = new List<string>();
        if (p.Width is < 1 or > 16384 || p.Height is < 1 or > 16384)
        {
            errors.Add($"width and height must be 1–16384 (they are {p.Width} and {p.Height})");
        }
        if (p.Fill is < 0 or > 255)
        {
            errors.Add($"fill must be a pixel value 0–255 (it is {p.Fill})");
        }
        if (!float.IsFinite(p.Scale) || p.Scale == 0)
        {
            errors.Add($"scale must be a finite, non-zero number (it is {p.Scale})");
        }
        foreach (var (name, values) in new[] { ("mean", p.Mean ?? []), ("std", p.Std ?? []) })
        {
            if (values.Length is not (0 or 1 or 3))
            {
                errors.Add($"{name} must hold 1 or 3 values (it holds {values.Length})");
            }
            if (values.Any(v => !float.IsFinite(v)))
            {
                errors.Add($"{name} must hold finite numbers");
            }
        }
        if ((p.Std ?? []).Any(v => v == 0))
        {
            errors.Add("std must not hold 0");
        }
        if (errors.Count > 0)
        {
            throw new QuantizationException($"{where} is invalid: {string.Join("; ", errors)}");
        }
    }

    /// <summary>"224 × 224 stretch, BGR, NCHW, scale 1, mean 103.06/115.9/123.15".</summary>
    public string Describe()
    {
        var p = Preprocessing;
        var text = $"{p.Width} × {p.Height} {(p.Letterbox ? $"letterbox (fill {p.Fill})" : "stretch")}, {(p.Bgr ? "BGR" : "RGB")}, {(p.Nhwc ? "NHWC" : "NCHW")}, scale {p.Scale:0.######}";
        if (Transform.Mean.Length > 0)
        {
            text += $", mean {string.Join("/", Transform.Mean.Select(m => m.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)))}";
        }
        if (Transform.Std.Length > 0)
        {
            text += $", std {string.Join("/", Transform.Std.Select(m => m.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)))}";
        }
        return text;
    }
}

/// <summary>One JPEG or PNG, decoded, resized and normalized (as a pipeline does) when it is asked for.</summary>
internal sealed record ImageSample(string Source, ImageRecipe Recipe) : ISampleEntry
{
    /// <summary>Checks the file's format, size and structure from its header, without decoding it.</summary>
    public static ImageSample Open(string path, ImageRecipe recipe)
    {
        var header = Header(path, ReadBytes(path));
        if (header.Damage is { } damage)
        {
            throw new QuantizationException($"{path}: {damage}");
        }
        return new ImageSample(path, recipe);
    }

    public CalibrationSample Read()
    {
        var bytes = ReadBytes(Source);
        RgbImage image;
        try
        {
            image = ImageDecoder.Decode(bytes, ImageRecipe.MaxPixels);
        }
        catch (ImageRejectedException e)
        {
            throw new QuantizationException($"{Source}: {e.Message}", e);
        }
        var p = Recipe.Preprocessing;
        var pixels = p.Letterbox
            ? ImageResize.Letterbox(image, p.Width, p.Height, p.Fill, out _)
            : ImageResize.Stretch(image, p.Width, p.Height);
        var tensor = PixelTensor.Write(pixels, p.Width, p.Height, Recipe.Transform);
        var inputs = new Dictionary<string, SampleTensor>(StringComparer.Ordinal)
        {
            [Recipe.Input.Name] = new SampleTensor(Recipe.Input.ElementType, Recipe.Shape, tensor),
        };
        return new CalibrationSample(Source, inputs);
    }

    private static ImageHeader Header(string path, byte[] bytes)
    {
        try
        {
            var header = ImageHeader.Read(bytes);
            return header.Pixels > ImageRecipe.MaxPixels
                ? throw new QuantizationException($"{path}: {header.Format.ToString().ToUpperInvariant()} is {header.Size} ({header.Pixels:N0} pixels), over the limit of {ImageRecipe.MaxPixels:N0} pixels")
                : header;
        }
        catch (ImageRejectedException e)
        {
            throw new QuantizationException($"{path}: {e.Message}", e);
        }
    }

    private static byte[] ReadBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QuantizationException($"{path}: cannot be read: {e.Message}", e);
        }
    }
}
