using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeAi.Hub.Broker;

/// <summary>
/// One device connection's byte stream, between the socket and MQTTnet's packet reader. MQTTnet
/// allocates a packet's whole body as soon as it has read the fixed header's remaining length, so
/// this guard follows the framing of what it hands up and throws on the last length byte of a packet
/// over <c>Hub:Mqtt:MaxPacketBytes</c>, before the body is buffered: a 250 MB publish costs the hub
/// nothing. An MQTT 5 client that is past CONNECT first gets DISCONNECT with reason Packet Too Large;
/// the rest of what it sends is read and thrown away for a moment (a small scratch buffer), so the
/// close does not reset the connection before the client has read why.
/// </summary>
internal sealed class PacketSizeGuard(IMqttChannel inner, int maxPacketBytes, MqttPacketFormatterAdapter formatter, Action<PacketSizeGuard, long> refused)
    : IMqttChannel
{
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);

    // Outbound packets are written whole (fragmentation is off) and one at a time, so a DISCONNECT never lands inside another packet.
    private readonly SemaphoreSlim _writing = new(1, 1);
    private Frame _frame;
    private long _remaining;
    private int _multiplier = 1;
    private int _lengthBytes;
    private long _packets;

    private enum Frame
    {
        TypeByte,
        Length,
        Body,
    }

    /// <summary>The device this connection logged in as; null until its CONNECT was accepted.</summary>
    public string? DeviceId { get; set; }

    public int MaxPacketBytes => maxPacketBytes;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        if (Follow(buffer.AsSpan(offset, read)) is { } tooLarge)
        {
            await RefuseAsync(tooLarge, cancellationToken).ConfigureAwait(false);
            throw new MqttCommunicationException(string.Create(CultureInfo.InvariantCulture,
                $"packet of {tooLarge} bytes is over the hub's limit of {maxPacketBytes} bytes (Hub:Mqtt:MaxPacketBytes)"));
        }
        return read;
    }

    public async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await inner.WriteAsync(buffer, isEndOfPacket, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    public void Dispose()
    {
        inner.Dispose();
        _writing.Dispose();
    }

    /// <summary>Walks the bytes through MQTT framing (type byte, 1-4 remaining-length bytes, body); returns a packet's full size once its length says it is too large.</summary>
    private long? Follow(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_frame)
            {
                case Frame.TypeByte:
                    i++;
                    _frame = Frame.Length;
                    _remaining = 0;
                    _multiplier = 1;
                    _lengthBytes = 0;
                    break;
                case Frame.Length:
                    var b = bytes[i++];
                    _remaining += (b & 0x7F) * (long)_multiplier;
                    _multiplier *= 128;
                    _lengthBytes++;
                    if ((b & 0x80) != 0 && _lengthBytes < 4)
                    {
                        break;
                    }
                    // A fifth length byte is malformed; MQTTnet refuses that itself.
                    var size = 1 + _lengthBytes + _remaining;
                    if (size > maxPacketBytes)
                    {
                        return size;
                    }
                    _packets++;
                    _frame = _remaining == 0 ? Frame.TypeByte : Frame.Body;
                    break;
                default:
                    var take = (int)Math.Min(_remaining, bytes.Length - i);
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _frame = Frame.TypeByte;
                    }
                    break;
            }
        }
        return null;
    }

    private async Task RefuseAsync(long size, CancellationToken cancellationToken)
    {
        refused(this, size);
        // Before CONNECT was read the client's protocol is unknown (and a CONNACK is the only answer allowed): just close.
        if (_packets == 0 || formatter.ProtocolVersion != MqttProtocolVersion.V500)
        {
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DisconnectTimeout);
        try
        {
            var disconnect = new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(256, 4096)).Encode(new MqttDisconnectPacket
            {
                ReasonCode = MqttDisconnectReasonCode.PacketTooLarge,
                ReasonString = string.Create(CultureInfo.InvariantCulture, $"packet of {size} bytes is over the hub's Maximum Packet Size of {maxPacketBytes} bytes"),
            }).Join();
            await WriteAsync(new ReadOnlySequence<byte>(disconnect), isEndOfPacket: true, timeout.Token).ConfigureAwait(false);
            await LingerAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.Sockets.SocketException or MqttCommunicationException or ObjectDisposedException)
        {
            // The client is gone or not reading: closing is all that is left.
        }
    }

    /// <summary>Reads and drops what the client still sends, for a moment or until it closes, so it can read the DISCONNECT before the socket goes.</summary>
    private async Task LingerAsync(CancellationToken cancellationToken)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        linger.CancelAfter(LingerTime);
        var scratch = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (await inner.ReadAsync(scratch, 0, scratch.Length, linger.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
