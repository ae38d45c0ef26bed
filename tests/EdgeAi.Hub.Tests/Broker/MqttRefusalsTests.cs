using EdgeAi.Hub.Broker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Hub.Tests.Broker;

/// <summary>Refusal counting and its log throttle: a device that keeps sending oversized packets is counted every time, logged once a minute.</summary>
public sealed class MqttRefusalsTests
{
    [Fact]
    public void PacketRefused_ManyWithinAMinute_CountedEachLoggedOncePerDevice()
    {
        var time = new FakeTimeProvider();
        var logger = new ListLogger();
        var refusals = new MqttRefusals(time, logger);

        for (var i = 0; i < 5; i++)
        {
            refusals.PacketRefused("cam-1", "10.0.0.7:5000", 50_000_000, 4_194_304);
        }
        refusals.PacketRefused("cam-2", "10.0.0.8:5000", 9_000_000, 4_194_304);
        time.Advance(MqttRefusals.LogInterval + TimeSpan.FromSeconds(1));
        refusals.PacketRefused("cam-1", "10.0.0.7:5000", 50_000_000, 4_194_304);

        refusals.Count("cam-1", MqttRefusals.PacketTooLarge).ShouldBe(6);
        refusals.Count("cam-2", MqttRefusals.PacketTooLarge).ShouldBe(1);
        logger.Lines.Count.ShouldBe(3);
        logger.Lines[0].ShouldContain("Refused an MQTT packet of 50000000 bytes from cam-1 (10.0.0.7:5000): over Hub:Mqtt:MaxPacketBytes 4194304 (0 more");
        logger.Lines[1].ShouldContain("from cam-2");
        logger.Lines[2].ShouldContain("from cam-1 (10.0.0.7:5000): over Hub:Mqtt:MaxPacketBytes 4194304 (4 more refusals");
    }

    [Fact]
    public void Counts_Refusals_PerDeviceAndReason()
    {
        var refusals = new MqttRefusals(new FakeTimeProvider(), new ListLogger());
        refusals.PacketRefused(null, "10.0.0.9:5000", 300_000_000, 4_194_304);
        refusals.PacketRefused("cam-1", "10.0.0.7:5000", 5_000_000, 4_194_304);

        refusals.PacketRefused("cam-1", "10.0.0.7:5000", 5_000_000, 4_194_304);

        refusals.Counts.OrderBy(c => c.Device, StringComparer.Ordinal).ShouldBe([("", MqttRefusals.PacketTooLarge, 1L), ("cam-1", MqttRefusals.PacketTooLarge, 2L)]);
    }

    private sealed class ListLogger : ILogger<MqttRefusals>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
