using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Sync;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.SyncDown;

/// <summary>The MQTT connection's sync-down receiver, fed messages as the connection hands them over: a real store, a real outbox.</summary>
public sealed class DesiredStateSubscriberTests : IDisposable
{
    private const string Device = "edge-1";
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-subscriber-").FullName;
    private readonly DurableOutbox _outbox;
    private readonly DesiredStateStore _store;
    private readonly DesiredStateSubscriber _subscriber;

    public DesiredStateSubscriberTests()
    {
        _outbox = DurableOutbox.Open(Path.Combine(_dir, "outbox.db"), new OutboxOptions(), new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero)));
        _store = new DesiredStateStore(_dir);
        _subscriber = new DesiredStateSubscriber(_store, new EventReporter(_outbox, NullLogger<EventReporter>.Instance), [], NullLogger<DesiredStateSubscriber>.Instance);
    }

    [Fact]
    public void Topics_DesiredAndCommands_NothingElse() =>
        _subscriber.Topics.ShouldBe([SyncTopics.Desired, SyncTopics.Commands], ignoreOrder: true);

    [Fact]
    public void Receive_NewerDesiredState_StoredAndAnOlderOneIgnored()
    {
        var changed = _store.Changed;

        _subscriber.Receive(Message(SyncTopics.Desired, State(4).ToByteArray()));
        _subscriber.Receive(Message(SyncTopics.Desired, State(3).ToByteArray()));

        changed.IsCompleted.ShouldBeTrue();
        _store.Current.ShouldNotBeNull().Revision.ShouldBe(4);
        new DesiredStateStore(_dir).Current!.Revision.ShouldBe(4);
        Events().ShouldBeEmpty();
    }

    [Fact]
    public void Receive_ClearedRetainedDesiredState_StoresNothing()
    {
        _subscriber.Receive(Message(SyncTopics.Desired, []));

        _store.Current.ShouldBeNull();
        Events().ShouldBeEmpty();
    }

    [Fact]
    public void Receive_Command_RecordedAsAnEventWithItsIdAndName()
    {
        _subscriber.Receive(Message(SyncTopics.Commands, new Command { Id = "c-7", Name = "reboot" }.ToByteArray()));

        var e = Events().ShouldHaveSingleItem();
        e.Kind.ShouldBe("command_received");
        e.Severity.ShouldBe(EventReporter.Info);
        e.Attributes["id"].ShouldBe("c-7");
        e.Attributes["name"].ShouldBe("reboot");
    }

    [Fact]
    public void Receive_EmptyCommand_IgnoredAsAClearedRetainedCommand()
    {
        _subscriber.Receive(Message(SyncTopics.Commands, []));

        Events().ShouldBeEmpty();
    }

    [Theory]
    [InlineData(SyncTopics.Desired)]
    [InlineData(SyncTopics.Commands)]
    public void Receive_NotProtobuf_ReportedNamingTheTopicAndNothingStored(string leaf)
    {
        _subscriber.Receive(Message(leaf, [0xFF, 0xFF, 0xFF, 0xFF]));

        _store.Current.ShouldBeNull();
        var e = Events().ShouldHaveSingleItem();
        e.Kind.ShouldBe("message_invalid");
        e.Message.ShouldContain(SyncTopics.For(Device, leaf));
    }

    public void Dispose()
    {
        _outbox.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static UplinkMessage Message(string leaf, byte[] payload) => new(leaf, SyncTopics.For(Device, leaf), payload);

    private static DesiredState State(long revision) => new() { Revision = revision, Models = { new DesiredModel { Name = "m", Version = "1" } } };

    private List<DeviceEvent> Events() => [.. _outbox.Peek(SyncTopics.Events, 100).Select(r => DeviceEvent.Parser.ParseFrom(r.Payload))];
}
