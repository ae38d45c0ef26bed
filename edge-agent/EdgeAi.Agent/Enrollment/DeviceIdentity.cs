using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Agent.Enrollment;

/// <summary>
/// What <c>edge-agent enroll</c> got from the hub, kept as identity.json (owner-only) in the data
/// directory beside hub-ca.crt and model-signing.pub. The agent host reads it as configuration.
/// </summary>
internal sealed record DeviceIdentity(string DeviceId, string DeviceKey, string HubUrl, string? BrokerUrl, IReadOnlyDictionary<string, string> Tags)
{
    public const string FileName = "identity.json";
    public const string HubCaFileName = "hub-ca.crt";
    public const string SigningKeyFileName = "model-signing.pub";

    /// <summary>The identity in <paramref name="dataDirectory"/>, or null when the device has not enrolled.</summary>
    /// <exception cref="IOException">The file exists but is not a readable identity (it names the file and the way out).</exception>
    public static DeviceIdentity? TryRead(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            var identity = JsonSerializer.Deserialize(File.ReadAllText(path), IdentityJson.Default.DeviceIdentity);
            if (identity is null || string.IsNullOrEmpty(identity.DeviceId) || string.IsNullOrEmpty(identity.DeviceKey) || string.IsNullOrEmpty(identity.HubUrl))
            {
                throw new JsonException("deviceId, deviceKey and hubUrl are required");
            }
            return identity;
        }
        catch (JsonException e)
        {
            throw new IOException($"{path} is not a valid device identity ({e.Message}); enroll again with 'edge-agent enroll --force'", e);
        }
    }

    /// <summary>Writes identity.json owner-only (0600 from creation), replacing an older one in one step.</summary>
    public void Write(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, this, IdentityJson.Default.DeviceIdentity);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The configuration keys this identity sets (agreed with the hub side; see ARCHITECTURE "Identity and security").</summary>
    public Dictionary<string, string?> ToConfiguration(string dataDirectory)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Agent:DeviceId"] = DeviceId,
            ["Cloud:HubUrl"] = HubUrl,
            ["Cloud:DeviceKey"] = DeviceKey,
        };
        if (!string.IsNullOrEmpty(BrokerUrl))
        {
            settings["Uplink:BrokerUrl"] = BrokerUrl;
        }
        var ca = Path.Combine(dataDirectory, HubCaFileName);
        if (File.Exists(ca))
        {
            settings["Cloud:CaCertificatePath"] = ca;
        }
        var signingKey = Path.Combine(dataDirectory, SigningKeyFileName);
        if (File.Exists(signingKey))
        {
            settings["Fleet:SigningKeyPath"] = signingKey;
        }
        return settings;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(DeviceIdentity))]
internal sealed partial class IdentityJson : JsonSerializerContext;
