namespace EdgeAi.Hub.Ingest;

/// <summary>A batch was not stored; the sender must keep it and send it again.</summary>
internal sealed class IngestException : Exception
{
    public IngestException()
    {
    }

    public IngestException(string message)
        : base(message)
    {
    }

    public IngestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
