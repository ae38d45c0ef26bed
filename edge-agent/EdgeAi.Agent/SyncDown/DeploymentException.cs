namespace EdgeAi.Agent.SyncDown;

/// <summary>
/// A deployment step that did not succeed, with a reason an operator can act on. With
/// <see cref="RetryLater"/> the cause is passing (the hub is unreachable, the stream was cut too often):
/// the reconciler tries again after a backoff; otherwise the version is failed for this revision.
/// </summary>
internal sealed class DeploymentException : Exception
{
    public DeploymentException(string message, bool retryLater = false)
        : base(message) => RetryLater = retryLater;

    public DeploymentException(string message, Exception innerException, bool retryLater = false)
        : base(message, innerException) => RetryLater = retryLater;

    public DeploymentException()
    {
    }

    public DeploymentException(string message)
        : base(message)
    {
    }

    public DeploymentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public bool RetryLater { get; }
}
