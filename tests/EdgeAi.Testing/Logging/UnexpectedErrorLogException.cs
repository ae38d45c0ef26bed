namespace EdgeAi.Testing.Logging;

/// <summary>A host logged errors its test did not declare: the test fails with each entry's category, event id and message.</summary>
internal sealed class UnexpectedErrorLogException : Exception
{
    public UnexpectedErrorLogException()
    {
    }

    public UnexpectedErrorLogException(string message)
        : base(message)
    {
    }

    public UnexpectedErrorLogException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
