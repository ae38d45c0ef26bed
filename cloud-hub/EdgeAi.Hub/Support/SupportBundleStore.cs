using System.Text.Json;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Support;

/// <summary>
/// Support bundles as files, not store rows: <c>{device}/{request}.json</c> (the <see cref="SupportBundleInfo"/>)
/// and <c>{device}/{request}.tar.gz</c> under <see cref="Root"/>. One record file per request, each replaced
/// whole, so replicas sharing the directory never edit a common index; a request lives under the device it was
/// issued to, so "issued to this device" is a file that exists. Device and request ids are checked before they
/// become paths ([A-Za-z0-9._-] and sb-[a-z0-9-]).
/// </summary>
internal sealed class SupportBundleStore(IOptions<HubOptions> hub, IOptions<SupportBundleOptions> options)
{
    public const string ArchiveExtension = ".tar.gz";

    public string Root { get; } = options.Value.Directory is { Length: > 0 } directory ? directory : Path.Combine(hub.Value.DataDirectory, "support-bundles");

    public string ArchivePath(string deviceId, string requestId) => Path.Combine(DeviceDirectory(deviceId), requestId + ArchiveExtension);

    /// <summary>A fresh scratch file for one upload, beside where the archive goes.</summary>
    public string PartPath(string deviceId, string requestId) => Path.Combine(DeviceDirectory(deviceId), $"{requestId}.{Guid.NewGuid():N}.part");

    public SupportBundleInfo? Find(string deviceId, string requestId)
    {
        if (!SyncTopics.IsValidDeviceId(deviceId) || !SupportBundles.IsValidRequestId(requestId))
        {
            return null;
        }
        var path = RecordPath(deviceId, requestId);
        return File.Exists(path) ? Read(path) : null;
    }

    /// <summary>The device's bundles, newest request first.</summary>
    public IReadOnlyList<SupportBundleInfo> List(string deviceId)
    {
        var directory = DeviceDirectory(deviceId);
        if (!Directory.Exists(directory))
        {
            return [];
        }
        return [.. Directory.EnumerateFiles(directory, "sb-*.json").Select(Read).OfType<SupportBundleInfo>().OrderByDescending(b => b.RequestedAt)];
    }

    /// <summary>Devices with a request still waiting for its bundle.</summary>
    public IEnumerable<string> DevicesWaiting() =>
        Directory.Exists(Root)
            ? Directory.EnumerateDirectories(Root).Select(d => Path.GetFileName(d))
                .Where(d => SyncTopics.IsValidDeviceId(d) && List(d).Any(b => b.Status == SupportBundleInfo.Requested))
            : [];

    public void Save(SupportBundleInfo bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        Directory.CreateDirectory(DeviceDirectory(bundle.DeviceId));
        StagedFile.Replace(RecordPath(bundle.DeviceId, bundle.RequestId), JsonSerializer.SerializeToUtf8Bytes(bundle, SupportJson.Default.SupportBundleInfo), overwrite: true);
    }

    private string DeviceDirectory(string deviceId) =>
        SyncTopics.IsValidDeviceId(deviceId) ? Path.Combine(Root, deviceId) : throw new ArgumentException($"'{deviceId}' is not a device id", nameof(deviceId));

    private string RecordPath(string deviceId, string requestId) => Path.Combine(DeviceDirectory(deviceId), requestId + ".json");

    private static SupportBundleInfo? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), SupportJson.Default.SupportBundleInfo);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null; // being replaced this instant, or not ours: listed at the next look
        }
    }
}
