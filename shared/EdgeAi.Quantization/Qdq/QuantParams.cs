using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Qdq;

/// <summary>One tensor's affine quantization: real = scale × (q − zero point).</summary>
internal readonly record struct QuantParams(float Scale, int ZeroPoint);

/// <summary>A weight quantized symmetrically (zero point 0), one scale per channel along <see cref="Axis"/> or one for the tensor (<see cref="Axis"/> null).</summary>
internal sealed record QuantizedWeight(sbyte[] Values, float[] Scales, int? Axis);

/// <summary>The arithmetic of the rewrite: activation ranges to scale and zero point, weights to INT8, biases to INT32.</summary>
internal static class QuantMath
{
    public static (int Min, int Max) Limits(ActivationType type) => type == ActivationType.Int8 ? (-128, 127) : (0, 255);

    /// <summary>Asymmetric over the range widened to hold 0 (so zero padding and Relu's floor are exact): scale = (max − min) / 255.</summary>
    public static QuantParams Activation(TensorRange range, ActivationType type, string tensor)
    {
        if (!float.IsFinite(range.Min) || !float.IsFinite(range.Max) || range.Min > range.Max)
        {
            throw new QuantizationException($"the range of tensor '{tensor}' is [{range.Min}, {range.Max}]; a range needs finite bounds with min ≤ max");
        }

        var (qmin, qmax) = Limits(type);
        var min = Math.Min(range.Min, 0f);
        var max = Math.Max(range.Max, 0f);
        var scale = (max - min) / (qmax - qmin);
        if (scale <= 0 || !float.IsNormal(scale))
        {
            // An all-zero tensor: any scale represents it; 1 keeps the zero point at qmin's side of 0.
            scale = 1f;
        }

        var zeroPoint = (int)Math.Clamp(Math.Round(qmin - (min / scale), MidpointRounding.AwayFromZero), qmin, qmax);
        return new QuantParams(scale, zeroPoint);
    }

    /// <summary>Symmetric INT8 (±127, or ±63 with reduced range), per channel along <paramref name="axis"/> when given.</summary>
    public static QuantizedWeight Weight(float[] values, IReadOnlyList<long> dims, int? axis, bool reduceRange)
    {
        var bound = reduceRange ? 63f : 127f;
        var channels = axis is { } a ? (int)dims[a] : 1;
        var inner = axis is { } b ? (int)dims.Skip(b + 1).Aggregate(1L, (x, d) => x * d) : values.Length;
        var maxAbs = new float[channels];
        for (var i = 0; i < values.Length; i++)
        {
            var c = (i / inner) % channels;
            maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(values[i]));
        }

        var scales = maxAbs.Select(m => m > 0 && float.IsFinite(m) ? m / bound : 1f).ToArray();
        var quantized = new sbyte[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var scale = scales[(i / inner) % channels];
            quantized[i] = (sbyte)Math.Clamp(Math.Round(values[i] / scale, MidpointRounding.AwayFromZero), -bound, bound);
        }

        return new QuantizedWeight(quantized, scales, axis);
    }

    /// <summary>INT32 with scale input scale × weight scale (per output channel), zero point 0.</summary>
    public static (int[] Values, float[] Scales) Bias(float[] bias, float inputScale, float[] weightScales)
    {
        var scales = new float[bias.Length];
        var values = new int[bias.Length];
        for (var c = 0; c < bias.Length; c++)
        {
            scales[c] = inputScale * weightScales[weightScales.Length == 1 ? 0 : c];
            values[c] = (int)Math.Clamp(Math.Round(bias[c] / scales[c], MidpointRounding.AwayFromZero), int.MinValue, int.MaxValue);
        }

        return (values, scales);
    }

    /// <summary>A constant operand of Add/Mul/Concat: asymmetric over its own values.</summary>
    public static (QuantParams Params, int[] Values) Constant(float[] values, ActivationType type, string name)
    {
        var range = values.Length == 0 ? new TensorRange(0, 0) : new TensorRange(values.Min(), values.Max());
        var p = Activation(range, type, name);
        var (qmin, qmax) = Limits(type);
        var q = values.Select(v => (int)Math.Clamp(Math.Round((v / p.Scale) + p.ZeroPoint, MidpointRounding.AwayFromZero), qmin, qmax)).ToArray();
        return (p, q);
    }
}
