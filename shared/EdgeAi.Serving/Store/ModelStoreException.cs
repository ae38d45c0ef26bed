namespace EdgeAi.Serving.Store;

/// <summary>A model that cannot be installed or found, with a message a user can act on.</summary>
public sealed class ModelStoreException : Exception
{
    public ModelStoreException()
    {
    }

    public ModelStoreException(string message)
        : base(message)
    {
    }

    public ModelStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
