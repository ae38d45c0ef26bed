using System.Text;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// The grpc-message header as the gRPC HTTP/2 specification writes it: UTF-8, with only '%' and bytes
/// outside printable ASCII (0x20-0x7E) percent-encoded. URI escaping would also encode ':' and '/',
/// which clients that decode by the specification (grpc-js) then show as "%3A".
/// </summary>
public static class GrpcStatusMessage
{
    public static string Encode(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.All(c => c is >= ' ' and <= '~' and not '%'))
        {
            return message;
        }
        var encoded = new StringBuilder(message.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return encoded.ToString();
    }
}
