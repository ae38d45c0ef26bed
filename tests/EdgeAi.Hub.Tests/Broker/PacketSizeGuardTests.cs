using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeAi.Hub.Broker;
using MQTTnet.Channel;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;

namespace EdgeAi.Hub.Tests.Broker;

/// <summary>The embedded broker's packet size guard on a scripted byte stream: no sockets, no MQTTnet reader.</summary>
public sealed class PacketSizeGuardTests
{
    private const int Limit = 1000;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A packet of <paramref name="size"/> bytes in all: type byte, remaining length, body.</summary>
    private static byte[] Packet(byte type, int size)
    {
        for (var lengthBytes = 1; lengthBytes <= 4; lengthBytes++)
        {
            var remaining = size - 1 - lengthBytes;
            if (remaining >= 0 && Encode(remaining).Length == lengthBytes)
            {
                return [type, .. Encode(remaining), .. new byte[remaining]];
            }
        }
        throw new ArgumentOutOfRangeException(nameof(size));
    }

    private static byte[] Encode(long remaining)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(remaining % 128);
            remaining /= 128;
            bytes.Add(remaining > 0 ? (byte)(b | 0x80) : b);
        }
        while (remaining > 0);
        return [.. bytes];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task ReadAsync_PacketsUpToTheLimitInAnyChunks_PassUntouched(int chunk)
    {
        // A PINGREQ, packets at and just under the limit, one with a 2-byte length, one empty body.
        byte[] stream = [.. Packet(0xC0, 2), .. Packet(0x32, Limit), .. Packet(0x32, Limit - 1), .. Packet(0x30, 200), .. Packet(0xE0, 2)];
        var channel = new ScriptedChannel(stream);
        var refusals = new List<long>();
        using var guard = new PacketSizeGuard(channel, Limit, new MqttPacketFormatterAdapter(new MqttBufferWriter(256, 4096)), (_, size) => refusals.Add(size));

        var read = await ReadAllAsync(guard, chunk);

        read.ShouldBe(stream);
        refusals.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task ReadAsync_HeaderOfPacketOverTheLimit_RefusedBeforeItsBody(int chunk)
    {
        var tooLarge = Packet(0x32, 200_000_000 + 5);
        var header = 5;
        byte[] stream = [.. Packet(0xC0, 2), .. tooLarge.AsSpan(0, header + 10)];
        var channel = new ScriptedChannel(stream);
        var refusals = new List<long>();
        using var guard = new PacketSizeGuard(channel, Limit, new MqttPacketFormatterAdapter(new MqttBufferWriter(256, 4096)), (_, size) => refusals.Add(size));

        var error = await Should.ThrowAsync<MqttCommunicationException>(() => ReadAllAsync(guard, chunk));

        error.Message.ShouldContain("packet of 200000005 bytes is over the hub's limit of 1000 bytes (Hub:Mqtt:MaxPacketBytes)");
        refusals.ShouldBe([200_000_005]);
        // Refused in the very read that brought the last length byte (MQTTnet reads those one at a time): no body byte was asked for after it.
        channel.Consumed.ShouldBeLessThanOrEqualTo(2 + header + chunk - 1);
    }

    [Fact]
    public async Task ReadAsync_TooLargeFromMqtt5ClientPastConnect_SendsDisconnectPacketTooLarge()
    {
        byte[] stream = [.. Packet(0x10, 20), .. Packet(0x32, Limit + 1)];
        var channel = new ScriptedChannel(stream);
        using var guard = new PacketSizeGuard(channel, Limit, new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(256, 4096)), (_, _) => { });

        await Should.ThrowAsync<MqttCommunicationException>(() => ReadAllAsync(guard, 4096));

        // DISCONNECT (0xE0) with reason 0x95 Packet Too Large, then the rest of what the client sent was read and dropped.
        var written = channel.Written.ShouldHaveSingleItem();
        written[0].ShouldBe((byte)0xE0);
        written[2].ShouldBe((byte)0x95);
        channel.Consumed.ShouldBe(stream.Length);
    }

    [Fact]
    public async Task ReadAsync_TooLargeConnect_ClosedWithoutAnswer()
    {
        var channel = new ScriptedChannel(Packet(0x10, Limit + 1));
        using var guard = new PacketSizeGuard(channel, Limit, new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(256, 4096)), (_, _) => { });

        await Should.ThrowAsync<MqttCommunicationException>(() => ReadAllAsync(guard, 4096));

        channel.Written.ShouldBeEmpty();
    }

    private static async Task<byte[]> ReadAllAsync(PacketSizeGuard guard, int chunk)
    {
        var all = new List<byte>();
        var buffer = new byte[chunk];
        int read;
        while ((read = await guard.ReadAsync(buffer, 0, chunk, Token)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, read));
        }
        return [.. all];
    }

    /// <summary>Hands out a fixed byte stream (then end of stream) and records what is written.</summary>
    private sealed class ScriptedChannel(byte[] stream) : IMqttChannel
    {
        public int Consumed { get; private set; }

        public List<byte[]> Written { get; } = [];

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1);

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 2);

        public bool IsSecureConnection => false;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            var n = Math.Min(count, stream.Length - Consumed);
            stream.AsSpan(Consumed, n).CopyTo(buffer.AsSpan(offset));
            Consumed += n;
            return Task.FromResult(n);
        }

        public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
        {
            Written.Add(buffer.ToArray());
            return Task.CompletedTask;
        }

        public void Dispose()
        {
        }
    }
}
