using LiteDB;

namespace EdgeAi.Agent.Outbox;

/// <summary>What a failed LiteDB call says about the outbox file.</summary>
internal enum OutboxFault
{
    /// <summary>Not the file's fault (a lock timeout, a bug): the caller gets the exception as it is.</summary>
    None,

    /// <summary>The file is damaged (LiteDB met pages it cannot make sense of): salvage it and start a fresh one.</summary>
    Damage,

    /// <summary>An I/O error: a bad sector or a full disk. LiteDB has closed its engine either way; the file may be whole.</summary>
    InputOutput,
}

/// <summary>
/// Tells damage from other failures. LiteDB reports a damaged file in several ways: its own
/// exception with the "invalid datafile state" code (page type checks such as "Page type must be
/// data page", "ReadFull must read PAGE_SIZE bytes"), "not a valid database", a prevented page
/// overwrite, an invalid page type (code 0), or a plain .NET exception thrown while it decodes
/// garbage (a cast, an index or a date out of range). Once it has thrown for damage or I/O it has
/// closed its engine, and every later call fails the same way, so the outbox must act on the first.
/// </summary>
internal static class OutboxDamage
{
    public static OutboxFault Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            LiteException lite => lite.ErrorCode switch
            {
                LiteException.INVALID_DATAFILE_STATE or LiteException.INVALID_DATABASE or LiteException.INVALID_FREE_SPACE_PAGE
                    or LiteException.INVALID_FORMAT or LiteException.INVALID_DATA_TYPE or 0 => OutboxFault.Damage,
                // The file (or its log) is not encrypted as the key says: it cannot be read, as if damaged.
                LiteException.INVALID_PASSWORD or LiteException.NOT_ENCRYPTED => OutboxFault.Damage,
                // The engine was closed by an earlier failure that was not seen here (it surfaces as this on later calls).
                LiteException.ENGINE_DISPOSED => OutboxFault.Damage,
                _ => OutboxFault.None,
            },
            EndOfStreamException => OutboxFault.Damage,
            IOException => OutboxFault.InputOutput,
            InvalidCastException or IndexOutOfRangeException or OverflowException or ArgumentException or FormatException
                or NullReferenceException or InvalidOperationException when FromLiteDb(exception) => OutboxFault.Damage,
            _ => OutboxFault.None,
        };
    }

    /// <summary>Thrown inside LiteDB (or by the runtime on its behalf), not by the outbox's own argument checks.</summary>
    private static bool FromLiteDb(Exception exception) =>
        exception.Source == "LiteDB" || (exception.StackTrace?.Contains(" LiteDB.", StringComparison.Ordinal) ?? false);
}

/// <summary>
/// The outbox could not complete an operation even after recovering: the disk refuses writes (full,
/// read-only) or keeps failing reads. The record was not stored; the caller decides what that costs
/// (telemetry is counted as dropped, a deployment report is kept for the next attempt).
/// </summary>
internal sealed class OutboxUnavailableException : Exception
{
    public OutboxUnavailableException(string message)
        : base(message)
    {
    }

    public OutboxUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OutboxUnavailableException()
    {
    }
}
