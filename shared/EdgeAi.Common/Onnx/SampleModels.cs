namespace EdgeAi.Common.Onnx;

/// <summary>
/// Small models with fixed weights that the test suites and the demo serve; each returns the bytes of
/// an ONNX file (IR 8, opset 17). Weights are deterministic so results can be checked against
/// <see cref="ClassifierReference"/>.
/// </summary>
public static class SampleModels
{
    // Activations in [-2, 2] quantize onto UINT8 with a step of 4/255 around 128.
    private const float ActivationScale = 4f / 255f;
    private const byte ActivationZeroPoint = 128;

    /// <summary>
    /// probabilities = Softmax(input · W + B): input "input" FLOAT [batch, features],
    /// output "probabilities" FLOAT [batch, classes].
    /// </summary>
    public static byte[] Classifier(int features = 4, int classes = 3)
    {
        var (weights, bias) = ClassifierWeights(features, classes);
        return ClassifierGraph("classifier", features, classes, bias)
            .Initializer("W", weights, features, classes)
            .Node("MatMul", ["input", "W"], ["logits_mm"])
            .ToBytes();
    }

    /// <summary>
    /// The same function as <see cref="Classifier"/> in QDQ form: the input goes through
    /// QuantizeLinear/DequantizeLinear (UINT8, scale 4/255, zero point 128) and the weights are an INT8
    /// initializer (symmetric, scale max|W|/127) dequantized before the MatMul. Within about 0.05 of
    /// the fp32 result for inputs in [-2, 2].
    /// </summary>
    public static byte[] ClassifierInt8Qdq(int features = 4, int classes = 3)
    {
        var (weights, bias) = ClassifierWeights(features, classes);
        var weightScale = weights.Max(MathF.Abs) / 127f;
        var quantized = weights.Select(w => (sbyte)Math.Clamp(MathF.Round(w / weightScale), -127f, 127f)).ToArray();
        return ClassifierGraph("classifier_int8_qdq", features, classes, bias)
            .Initializer("input_scale", [ActivationScale])
            .Initializer("input_zero_point", [ActivationZeroPoint])
            .Initializer("W_quantized", quantized, features, classes)
            .Initializer("W_scale", [weightScale])
            .Initializer("W_zero_point", [(sbyte)0])
            .Node("QuantizeLinear", ["input", "input_scale", "input_zero_point"], ["input_quantized"])
            .Node("DequantizeLinear", ["input_quantized", "input_scale", "input_zero_point"], ["input_dequantized"])
            .Node("DequantizeLinear", ["W_quantized", "W_scale", "W_zero_point"], ["W"])
            .Node("MatMul", ["input_dequantized", "W"], ["logits_mm"])
            .ToBytes();
    }

    /// <summary>What <see cref="Classifier"/> computes, in plain C#: one row of probabilities per <paramref name="features"/> inputs.</summary>
    public static float[] ClassifierReference(float[] input, int features = 4, int classes = 3)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Length % features != 0)
        {
            throw new ArgumentException($"{input.Length} values do not make whole rows of {features} features", nameof(input));
        }

        var (weights, bias) = ClassifierWeights(features, classes);
        var result = new float[input.Length / features * classes];
        var logits = new double[classes];
        for (var row = 0; row < input.Length / features; row++)
        {
            for (var j = 0; j < classes; j++)
            {
                logits[j] = bias[j];
                for (var i = 0; i < features; i++)
                {
                    logits[j] += (double)input[row * features + i] * weights[i * classes + j];
                }
            }

            var max = logits.Max();
            var sum = logits.Sum(l => Math.Exp(l - max));
            for (var j = 0; j < classes; j++)
            {
                result[row * classes + j] = (float)(Math.Exp(logits[j] - max) / sum);
            }
        }

        return result;
    }

    /// <summary>
    /// A classifier over images whose answer is easy to compute by hand: which colour channel dominates.
    /// probabilities = Softmax(<paramref name="sharpness"/> × mean of each channel) for input "image" FLOAT
    /// [batch, 3, <paramref name="size"/>, <paramref name="size"/>] (NCHW, values 0..1), output "probabilities"
    /// FLOAT [batch, 3] (red, green, blue).
    /// </summary>
    public static byte[] ChannelClassifier(int size = 32, float sharpness = 10f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return new OnnxModelBuilder("channel_classifier")
            .Input("image", OnnxElementType.Float, -1, 3, size, size)
            .Output("probabilities", OnnxElementType.Float, -1, 3)
            .Initializer("sharpness", [sharpness])
            .Node("ReduceMean", ["image"], ["means"], OnnxAttribute.Ints("axes", 2, 3), OnnxAttribute.Int("keepdims", 0))
            .Node("Mul", ["means", "sharpness"], ["logits"])
            .Node("Softmax", ["logits"], ["probabilities"], OnnxAttribute.Int("axis", -1))
            .ToBytes();
    }

    /// <summary>
    /// A small convolutional classifier for quantization tests and demos: input "image" FLOAT [1, 3, 16, 16] (NCHW,
    /// values 0..1), Conv 3x3 + Relu, Conv 1x1, GlobalAveragePool, Flatten, Gemm to "scores" FLOAT [1, 5]. Weights
    /// are fixed pseudo-random numbers (seeded), so every call writes the same model.
    /// </summary>
    public static byte[] ConvClassifier()
    {
        var random = new Random(3);
        float[] Weights(int count, double scale) => [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() - 0.5) * scale))];
        return new OnnxModelBuilder("small_conv")
            .Input("image", OnnxElementType.Float, 1, 3, 16, 16)
            .Output("scores", OnnxElementType.Float, 1, 5)
            .Initializer("w1", Weights(8 * 3 * 3 * 3, 0.02), 8, 3, 3, 3)
            .Initializer("b1", Weights(8, 0.1), 8)
            .Initializer("w2", Weights(4 * 8, 0.5), 4, 8, 1, 1)
            .Initializer("b2", Weights(4, 0.1), 4)
            .Initializer("w3", Weights(5 * 4, 1.0), 5, 4)
            .Initializer("b3", Weights(5, 0.1), 5)
            .Node("Conv", ["image", "w1", "b1"], ["c1"], OnnxAttribute.Ints("pads", 1, 1, 1, 1))
            .Node("Relu", ["c1"], ["r1"])
            .Node("Conv", ["r1", "w2", "b2"], ["c2"])
            .Node("GlobalAveragePool", ["c2"], ["pooled"])
            .Node("Flatten", ["pooled"], ["flat"])
            .Node("Gemm", ["flat", "w3", "b3"], ["scores"], OnnxAttribute.Int("transB", 1))
            .ToBytes();
    }

    /// <summary>What <see cref="ChannelClassifier"/> answers for an image whose channels average <paramref name="means"/> (0..1).</summary>
    public static float[] ChannelClassifierReference(IReadOnlyList<double> means, float sharpness = 10f)
    {
        ArgumentNullException.ThrowIfNull(means);
        var logits = means.Select(m => m * sharpness).ToArray();
        var max = logits.Max();
        var sum = logits.Sum(l => Math.Exp(l - max));
        return [.. logits.Select(l => (float)(Math.Exp(l - max) / sum))];
    }

    /// <summary>output = Identity(input), both of <paramref name="elementType"/> and <paramref name="shape"/> (-1 allowed).</summary>
    public static byte[] Identity(int elementType, params long[] shape) =>
        new OnnxModelBuilder("identity")
            .Input("input", elementType, shape)
            .Output("output", elementType, shape)
            .Node("Identity", ["input"], ["output"])
            .ToBytes();

    /// <summary>output = input * <paramref name="factor"/>, FLOAT with both dimensions dynamic.</summary>
    public static byte[] Scale(float factor = 2f) =>
        new OnnxModelBuilder("scale")
            .Input("input", OnnxElementType.Float, -1, -1)
            .Output("output", OnnxElementType.Float, -1, -1)
            .Initializer("factor", [factor])
            .Node("Mul", ["input", "factor"], ["output"])
            .ToBytes();

    /// <summary>sum = a + b, all FLOAT [batch, 3].</summary>
    public static byte[] AddTwo() =>
        new OnnxModelBuilder("add_two")
            .Input("a", OnnxElementType.Float, -1, 3)
            .Input("b", OnnxElementType.Float, -1, 3)
            .Output("sum", OnnxElementType.Float, -1, 3)
            .Node("Add", ["a", "b"], ["sum"])
            .ToBytes();

    // The part both classifiers share: they differ only in how "logits_mm" = input · W is computed.
    private static OnnxModelBuilder ClassifierGraph(string name, int features, int classes, float[] bias) =>
        new OnnxModelBuilder(name)
            .Input("input", OnnxElementType.Float, -1, features)
            .Output("probabilities", OnnxElementType.Float, -1, classes)
            .Initializer("B", bias, classes)
            .Node("Add", ["logits_mm", "B"], ["logits"])
            .Node("Softmax", ["logits"], ["probabilities"], OnnxAttribute.Int("axis", -1));

    // Small, varied values in [-0.75, 0.75] so no class wins every input.
    private static (float[] Weights, float[] Bias) ClassifierWeights(int features, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        var weights = new float[features * classes];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (i % 7 - 3) * 0.25f;
        }

        var bias = Enumerable.Range(0, classes).Select(j => 0.1f * j).ToArray();
        return (weights, bias);
    }
}
