using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Support;

public sealed class FileLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-logs-").FullName;

    [Fact]
    public void Append_PastTheSizeLimit_RotatesAndKeepsOnlyMaxFiles()
    {
        using (var files = new LogFiles(_dir, maxFileBytes: 100, maxFiles: 3))
        {
            for (var i = 0; i < 10; i++)
            {
                files.Append($"line {i:00} {new string('x', 40)}\n"); // 49 bytes: two per file
            }
        }

        Directory.GetFiles(_dir).Select(p => Path.GetFileName(p)).ShouldBe(["agent.1.log", "agent.2.log", "agent.log"], ignoreOrder: true);
        var existing = LogFiles.Existing(_dir, 3);
        existing.Select(p => Path.GetFileName(p)).ShouldBe(["agent.2.log", "agent.1.log", "agent.log"], "oldest first");
        File.ReadAllText(existing[^1]).ShouldStartWith("line 08");
        File.ReadAllText(existing[0]).ShouldStartWith("line 04");
        existing.Sum(p => new FileInfo(p).Length).ShouldBeLessThanOrEqualTo(300);
    }

    [Fact]
    public void Provider_Started_WritesLinesWithLevelCategoryAndEventId()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        using var provider = new FileLoggerProvider(Options.Create(new FileLogOptions { Directory = _dir }), Options.Create(new AgentOptions { DataDirectory = _dir }), time);
        provider.CreateLogger("EdgeAi.Test").Log(LogLevel.Warning, new EventId(42), "disk 91% full", null, (message, _) => message);

        File.Exists(Path.Combine(_dir, LogFiles.CurrentName)).ShouldBeFalse("nothing is written before the host starts");
        provider.Start();
        provider.Dispose();

        File.ReadAllText(Path.Combine(_dir, LogFiles.CurrentName)).ShouldBe("2026-12-03T12:00:00.000Z WARN  EdgeAi.Test[42]: disk 91% full\n");
    }

    [Fact]
    public void Provider_Disabled_WritesNothing()
    {
        using var provider = new FileLoggerProvider(Options.Create(new FileLogOptions { Directory = _dir, Enabled = false }), Options.Create(new AgentOptions { DataDirectory = _dir }), TimeProvider.System);
        provider.CreateLogger("x").Log(LogLevel.Error, default, "boom", null, (message, _) => message);
        provider.Start();
        provider.Dispose();

        Directory.GetFiles(_dir).ShouldBeEmpty();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
