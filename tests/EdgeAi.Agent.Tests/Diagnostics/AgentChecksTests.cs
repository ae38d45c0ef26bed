using EdgeAi.Agent.Diagnostics;
using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Tests.Outbox;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Common.Sync;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Diagnostics;

/// <summary>The checks that need no network, on real files in a temporary directory.</summary>
public sealed class AgentChecksTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-check-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string OutboxPath => Path.Combine(_dir, "outbox.db");

    [Fact]
    public async Task Outbox_RecordsWaiting_OkWithThePendingCount()
    {
        Fill(120);
        var before = await File.ReadAllBytesAsync(OutboxPath, Token);

        var result = await SingleAsync(new OutboxCheck(OutboxPath));

        result.Status.ShouldBe(CheckStatus.Ok);
        result.Message.ShouldStartWith($"120 records pending in {OutboxPath}");
        (await File.ReadAllBytesAsync(OutboxPath, Token)).ShouldBe(before, "the check changes nothing");
    }

    [Fact]
    public async Task Outbox_DataPageOverwritten_FailsWithTheRecoveryAndLeavesTheFile()
    {
        Fill(3000);
        OutboxFileDamage.Overwrite(OutboxPath, OutboxFileDamage.MiddleDataPage(OutboxPath, "s_telemetry"));

        var result = await SingleAsync(new OutboxCheck(OutboxPath));

        result.Status.ShouldBe(CheckStatus.Fail);
        result.Message.ShouldStartWith($"{OutboxPath} is damaged: ");
        result.Fix!.ShouldContain("outbox.db.corrupt-{stamp}");
        Directory.GetFiles(_dir, "outbox.db.corrupt-*").ShouldBeEmpty();
    }

    [Fact]
    public async Task Outbox_NoFileYet_Ok()
    {
        (await SingleAsync(new OutboxCheck(OutboxPath))).Message.ShouldContain("no outbox yet");
    }

    [Fact]
    public async Task Gpio_Simulated_OkSimulated()
    {
        var result = await SingleAsync(new GpioCheck(new GpioOptions { Driver = GpioDriverNames.Simulated, PinCount = 16 }));

        result.Status.ShouldBe(CheckStatus.Ok);
        result.Message.ShouldStartWith("simulated (16 lines)");
    }

    [Fact]
    public async Task Gpio_ChipThatDoesNotExist_FailsNamingTheKeys()
    {
        var result = await SingleAsync(new GpioCheck(new GpioOptions { Driver = GpioDriverNames.LibGpiod, Chip = 97 }));

        result.Status.ShouldBe(CheckStatus.Fail);
        result.Message.ShouldStartWith("driver libgpiod: ");
        result.Fix!.ShouldContain("Gpio:Chip");
    }

    [Fact]
    public async Task Identity_None_WarnsNotEnrolledWithTheEnrollCommand()
    {
        var result = await SingleAsync(new IdentityCheck(_dir));

        result.Status.ShouldBe(CheckStatus.Warn);
        result.Message.ShouldStartWith("not enrolled");
        result.Fix!.ShouldStartWith("edge-agent enroll --hub ");
    }

    [Fact]
    public async Task Identity_Unreadable_FailsWithEnrollForce()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "identity.json"), "{ not json", Token);

        var result = await SingleAsync(new IdentityCheck(_dir));

        result.Status.ShouldBe(CheckStatus.Fail);
        result.Fix!.ShouldContain("edge-agent enroll --force");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<CheckResult> SingleAsync(IDiagnosticCheck check) => (await check.RunAsync(Token)).Single();

    private void Fill(int records)
    {
        using var outbox = DurableOutbox.Open(OutboxPath, new OutboxOptions(), _time);
        outbox.Append(SyncTopics.Telemetry, [.. Enumerable.Range(0, records).Select(i => new byte[] { (byte)i, 1, 2, 3, 4, 5, 6, 7 })]);
        outbox.Checkpoint();
    }
}
