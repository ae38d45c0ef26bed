using Google.Protobuf;

namespace EdgeAi.Hub.Store;

/// <summary>
/// Reads a record body back. Ingest checks the batch, not each body inside it, so a device can store a
/// body that does not parse; readers leave such a record out instead of failing a whole page or tick.
/// </summary>
internal static class StoredBody
{
    public static T? TryParse<T>(byte[]? body, MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(parser);
        if (body is not { Length: > 0 })
        {
            return null;
        }
        try
        {
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
