using EdgeAi.Common.Sync;

namespace EdgeAi.Common.Tests.Sync;

public sealed class SyncTopicsTests
{
    [Theory]
    [InlineData("edgeai/v1/cam-01/telemetry", "cam-01", "telemetry")]
    [InlineData("edgeai/v1/a.b_c/status", "a.b_c", "status")]
    public void TryParse_DeviceTopic_SplitsDeviceAndLeaf(string topic, string device, string leaf)
    {
        SyncTopics.TryParse(topic, out var d, out var l).ShouldBeTrue();
        d.ShouldBe(device);
        l.ShouldBe(leaf);
    }

    [Theory]
    [InlineData("edgeai/v1/cam-01")]
    [InlineData("edgeai/v1/cam-01/")]
    [InlineData("edgeai/v1//telemetry")]
    [InlineData("edgeai/v1/cam-01/telemetry/extra")]
    [InlineData("edgeai/v1/+/telemetry")]
    [InlineData("edgeai/v1/#")]
    [InlineData("other/v1/cam-01/telemetry")]
    public void TryParse_AnythingElse_IsRefused(string topic) =>
        SyncTopics.TryParse(topic, out _, out _).ShouldBeFalse();

    [Theory]
    [InlineData("", false)]
    [InlineData("cam 1", false)]
    [InlineData("cam/1", false)]
    [InlineData("cam+", false)]
    [InlineData("cam#", false)]
    [InlineData("Cam-01.site_a", true)]
    public void IsValidDeviceId_OnlySafeCharacters(string id, bool valid) =>
        SyncTopics.IsValidDeviceId(id).ShouldBe(valid);

    [Fact]
    public void IsValidDeviceId_LongerThan64_IsRefused() =>
        SyncTopics.IsValidDeviceId(new string('a', 65)).ShouldBeFalse();
}
