using System.Security.Cryptography;
using System.Text;
using EdgeAi.Hub.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Security;

/// <summary>
/// The device keys from <c>Hub:DeviceKeys</c>, kept as SHA-256 hashes and compared in constant time.
/// One place, so gRPC/REST bearer keys and MQTT passwords are checked the same way.
/// </summary>
internal sealed class DeviceCredentials
{
    // Compared against when the device is unknown, so an unknown id costs the same as a wrong key.
    private static readonly byte[] NoKey = new byte[SHA256.HashSizeInBytes];

    private readonly Dictionary<string, byte[]> _keyHashes;

    public DeviceCredentials(IOptions<HubOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keyHashes = options.Value.DeviceKeys.ToDictionary(kv => kv.Key, kv => Hash(kv.Value), StringComparer.Ordinal);
    }

    /// <summary>The device whose key this is, or null. Every key is compared, so timing tells nothing about which one nearly matched.</summary>
    public string? FindDevice(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = Hash(key);
        string? found = null;
        foreach (var (device, expected) in _keyHashes)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                found = device;
            }
        }
        return found;
    }

    /// <summary>True when <paramref name="key"/> is the key configured for <paramref name="deviceId"/>.</summary>
    public bool Verify(string? deviceId, string? key)
    {
        var expected = deviceId is not null && _keyHashes.TryGetValue(deviceId, out var known) ? known : NoKey;
        var matches = CryptographicOperations.FixedTimeEquals(Hash(key ?? string.Empty), expected);
        return matches && !ReferenceEquals(expected, NoKey);
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
