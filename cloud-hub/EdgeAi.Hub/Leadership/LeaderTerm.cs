namespace EdgeAi.Hub.Leadership;

/// <summary>One holding of the leader lease by this replica: its fencing epoch, and a token cancelled when it ends.</summary>
internal sealed record LeaderTerm(string Holder, long Epoch, CancellationToken Ended);

/// <summary>A leader's write refused because its term is over (another replica took the lease, or it lapsed).</summary>
internal sealed class LeaseLostException : Exception
{
    public LeaseLostException()
    {
    }

    public LeaseLostException(string message)
        : base(message)
    {
    }

    public LeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public static LeaseLostException For(LeaderTerm term)
    {
        ArgumentNullException.ThrowIfNull(term);
        return new LeaseLostException($"the leader lease's epoch {term.Epoch} held by {term.Holder} is over: another replica leads, or it lapsed");
    }
}
