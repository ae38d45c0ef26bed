using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Hosting;

/// <summary>
/// REST and gRPC for apps on the device over Unix domain sockets, off by default. Two sockets, because a
/// cleartext Kestrel endpoint cannot carry HTTP/1.1 and HTTP/2 prior knowledge at once (without TLS there is
/// no ALPN, so an Http1AndHttp2 endpoint always answers HTTP/1.1 and a gRPC client gets HTTP_1_1_REQUIRED).
/// </summary>
internal sealed class UnixSocketOptions
{
    public const string Section = "Agent:UnixSocket";

    /// <summary>REST (HTTP/1.1) socket's name in <see cref="Directory"/>.</summary>
    public const string RestFileName = "rest.sock";

    /// <summary>gRPC (HTTP/2 prior knowledge) socket's name in <see cref="Directory"/>.</summary>
    public const string GrpcFileName = "grpc.sock";

    /// <summary>Where the two sockets are created (an existing, absolute directory); unset: no Unix sockets.</summary>
    public string? Directory { get; set; }

    /// <summary>File mode of both sockets, octal (who may connect): "0660" lets the agent's user and group in.</summary>
    public string Mode { get; set; } = "0660";

    public bool Enabled => !string.IsNullOrEmpty(Directory);

    public string RestPath => Path.Combine(Directory ?? "", RestFileName);

    public string GrpcPath => Path.Combine(Directory ?? "", GrpcFileName);

    /// <summary><see cref="Mode"/> as a file mode, once validated.</summary>
    public UnixFileMode FileMode => (UnixFileMode)Convert.ToInt32(Mode, 8);

    /// <summary>Whether <paramref name="mode"/> is 3 or 4 octal digits no greater than 0777 (permission bits only).</summary>
    public static bool IsOctalMode(string? mode) =>
        mode is { Length: 3 or 4 } && mode.All(c => c is >= '0' and <= '7') && Convert.ToInt32(mode, 8) <= 0x1FF;
}

/// <summary>Checks <see cref="UnixSocketOptions"/> at start without opening anything: the mode parses, the directory exists and the paths fit a socket address.</summary>
internal sealed class UnixSocketOptionsValidator : IValidateOptions<UnixSocketOptions>
{
    // sun_path is 108 bytes on Linux, one of them the terminating NUL.
    private const int MaxSocketPathBytes = 107;

    public ValidateOptionsResult Validate(string? name, UnixSocketOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!UnixSocketOptions.IsOctalMode(options.Mode))
        {
            failures.Add($"{UnixSocketOptions.Section}:Mode '{options.Mode}' is not an octal file mode; expected 3 or 4 digits 0-7 up to 0777, e.g. 0660");
        }
        if (options.Enabled)
        {
            var directory = options.Directory!;
            if (!Path.IsPathFullyQualified(directory))
            {
                failures.Add($"{UnixSocketOptions.Section}:Directory '{directory}' must be an absolute path, e.g. /run/edgeai");
            }
            else if (!System.IO.Directory.Exists(directory))
            {
                failures.Add($"{UnixSocketOptions.Section}:Directory '{directory}' does not exist; create it (writable by the agent's user) or unset the key");
            }
            else if (Encoding.UTF8.GetByteCount(options.GrpcPath) > MaxSocketPathBytes || Encoding.UTF8.GetByteCount(options.RestPath) > MaxSocketPathBytes)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{UnixSocketOptions.Section}:Directory '{directory}' is too long: a socket path must fit in {MaxSocketPathBytes} bytes, and '{options.GrpcPath}' does not"));
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
