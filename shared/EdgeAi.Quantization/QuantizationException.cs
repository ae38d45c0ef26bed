namespace EdgeAi.Quantization;

/// <summary>
/// The one error the quantizer raises for input it cannot use (a model with nothing to quantize, an opset it
/// cannot move to, calibration tensors of the wrong shape or datatype, an empty set, a budget no fallback
/// meets). The message names what was wrong and what was expected; nothing is written when it is thrown.
/// </summary>
public sealed class QuantizationException : Exception
{
    public QuantizationException()
    {
    }

    public QuantizationException(string message)
        : base(message)
    {
    }

    public QuantizationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
