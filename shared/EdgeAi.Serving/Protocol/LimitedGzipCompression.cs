using System.IO.Compression;
using Grpc.Core;
using EdgeAi.Common.IO;
using Grpc.Net.Compression;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// gzip for gRPC messages, with the request limits applied to what a message decompresses to: a
/// small compressed message must not inflate past ModelHost:MaxRequestBytes in memory, and a message
/// that is not gzip is a request that cannot be parsed (INTERNAL), not an exception (UNKNOWN).
/// </summary>
internal sealed class LimitedGzipCompression(int maxBytes) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) => new LimitedStream(new GZipStream(stream, CompressionMode.Decompress), maxBytes);

    /// <summary>Reads the decompressed message, counting; the two ways a caller's message can fail become gRPC statuses.</summary>
    private sealed class LimitedStream(Stream inner, int maxBytes) : ReadOnlyStream(inner)
    {
        private long _read;

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = Inner.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new RpcException(new Status(StatusCode.Internal, $"{ParseErrorBinder.Message}: the message is marked gzip-compressed but is not valid gzip ({e.Message})"));
            }
            _read += read;
            if (_read > maxBytes)
            {
                throw new RpcException(new Status(
                    StatusCode.ResourceExhausted, $"the request message decompresses to more than {maxBytes} bytes, over the limit (ModelHost:MaxRequestBytes)"));
            }
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // The source is an in-memory message, so reading synchronously does not block on I/O.
            await Task.CompletedTask.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return Read(buffer.Span);
        }
    }
}
