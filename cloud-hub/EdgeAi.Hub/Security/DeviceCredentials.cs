using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using EdgeAi.Hub.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Every device key the hub accepts: those configured in <c>Hub:DeviceKeys</c> and those issued at
/// enrollment (loaded from the store at start, added on enroll), minus revoked devices. An in-memory
/// cache, so authenticating a call or an MQTT connection never touches the database. One place, so
/// gRPC/REST bearer keys and MQTT passwords are checked the same way.
/// </summary>
/// <remarks>
/// Keys are looked up by their SHA-256. That lookup's timing depends only on the hash of what the
/// caller sent, which tells an attacker nothing about any real key; only hashes are kept in memory.
/// </remarks>
internal sealed class DeviceCredentials
{
    // key hash (hex) -> device id
    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);
    // device id -> key hash (hex) of its enrolled key, so a re-enrollment replaces the old key
    private readonly ConcurrentDictionary<string, string> _enrolled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _revoked = new(StringComparer.Ordinal);
    private readonly HashSet<string> _configured;

    public DeviceCredentials(IOptions<HubOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _configured = new HashSet<string>(options.Value.DeviceKeys.Keys, StringComparer.Ordinal);
        foreach (var (device, key) in options.Value.DeviceKeys)
        {
            _owners[HashHex(key)] = device;
        }
    }

    public int ConfiguredCount => _configured.Count;

    /// <summary>True when the device has a key in Hub:DeviceKeys (its id cannot be enrolled).</summary>
    public bool IsConfigured(string deviceId) => _configured.Contains(deviceId);

    public bool IsRevoked(string deviceId) => _revoked.ContainsKey(deviceId);

    /// <summary>Whose key this is, and whether that device was revoked; null when nobody's.</summary>
    public DeviceMatch? Match(string? key)
    {
        if (string.IsNullOrEmpty(key) || !_owners.TryGetValue(HashHex(key), out var device))
        {
            return null;
        }
        return new DeviceMatch(device, IsRevoked(device));
    }

    /// <summary>The (not revoked) device whose key this is, or null.</summary>
    public string? FindDevice(string key) => Match(key) is { Revoked: false } match ? match.DeviceId : null;

    /// <summary>True when <paramref name="key"/> is a key of <paramref name="deviceId"/>, whether or not the device was revoked.</summary>
    public bool IsKeyOf(string? deviceId, string? key) => deviceId is not null && Match(key) is { } match && match.DeviceId == deviceId;

    /// <summary>True when <paramref name="key"/> is the key of <paramref name="deviceId"/> and the device was not revoked.</summary>
    public bool Verify(string? deviceId, string? key) => IsKeyOf(deviceId, key) && !IsRevoked(deviceId!);

    /// <summary>Adds an enrolled device's key (hash, hex), replacing a key it had before.</summary>
    public void Enrolled(string deviceId, string keyHashHex)
    {
        var hash = keyHashHex.ToUpperInvariant();
        if (_enrolled.TryGetValue(deviceId, out var previous))
        {
            _owners.TryRemove(new KeyValuePair<string, string>(previous, deviceId));
        }
        _enrolled[deviceId] = hash;
        _owners[hash] = deviceId;
    }

    public void Revoked(string deviceId, long atMs) => _revoked[deviceId] = atMs;

    private static string HashHex(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>SHA-256 of a device key, hex: what the store keeps (DeviceRow.KeyHash).</summary>
    public static string KeyHash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return HashHex(key);
    }
}

/// <summary>The device a key belongs to.</summary>
internal sealed record DeviceMatch(string DeviceId, bool Revoked);
