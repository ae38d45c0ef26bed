namespace EdgeAi.Common.Onnx;

/// <summary>
/// The one error <see cref="OnnxModelReader"/> raises for a file or buffer it cannot use as a model,
/// whatever the cause, so callers map it to a single user-facing error; the message says what to fix.
/// </summary>
public sealed class InvalidOnnxModelException : Exception
{
    public InvalidOnnxModelException()
    {
    }

    public InvalidOnnxModelException(string message)
        : base(message)
    {
    }

    public InvalidOnnxModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
