using System.Text.Json;
using EdgeAi.Common.Diagnostics;

namespace EdgeAi.Common.Tests.Diagnostics;

public sealed class CheckReportTests
{
    private static readonly CheckResult[] Mixed =
    [
        CheckResult.Ok("configuration", "every section is valid"),
        CheckResult.Warn("enrollment", "not enrolled", "edge-agent enroll --hub URL --token TOKEN"),
        CheckResult.Fail("outbox", "outbox.db is damaged: page 3 'x'", "start the agent"),
    ];

    [Fact]
    public void Text_WarnAndFail_PrintTheFixOnAnIndentedLine()
    {
        CheckReport.Text(Mixed).ShouldBe(
            "OK    configuration: every section is valid\n" +
            "WARN  enrollment: not enrolled\n" +
            "      fix: edge-agent enroll --hub URL --token TOKEN\n" +
            "FAIL  outbox: outbox.db is damaged: page 3 'x'\n" +
            "      fix: start the agent\n");
    }

    [Fact]
    public void Json_Results_OneDocumentWithEveryCheckAndTheWorstStatus()
    {
        using var json = JsonDocument.Parse(CheckReport.Json(Mixed));

        json.RootElement.GetProperty("status").GetString().ShouldBe("fail");
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToList();
        checks.Select(c => c.GetProperty("id").GetString()).ShouldBe(["configuration", "enrollment", "outbox"]);
        checks.Select(c => c.GetProperty("status").GetString()).ShouldBe(["ok", "warn", "fail"]);
        checks[0].GetProperty("fix").ValueKind.ShouldBe(JsonValueKind.Null);
        checks[2].GetProperty("message").GetString().ShouldBe("outbox.db is damaged: page 3 'x'");
    }

    [Fact]
    public void ExitCode_AnyFail_IsOneElseZero()
    {
        CheckReport.ExitCode(Mixed).ShouldBe(1);
        CheckReport.ExitCode(Mixed[..2]).ShouldBe(0);
    }

    [Fact]
    public async Task RunAsync_CheckThrows_IsAFailOfItsOwnAndTheOthersStillRun()
    {
        var results = await CheckReport.RunAsync([("broken", new Throwing()), ("fine", new Fixed(CheckResult.Ok("fine", "ok")))], TestContext.Current.CancellationToken);

        results.Select(r => (r.Id, r.Status)).ShouldBe([("broken", CheckStatus.Fail), ("fine", CheckStatus.Ok)]);
        results[0].Message.ShouldContain("InvalidOperationException: boom");
    }

    [Theory]
    [InlineData(400L * 1024 * 1024, 100_000L * 1024 * 1024, CheckStatus.Warn)]
    [InlineData(4_000L * 1024 * 1024, 100_000L * 1024 * 1024, CheckStatus.Warn)]
    [InlineData(6_000L * 1024 * 1024, 100_000L * 1024 * 1024, CheckStatus.Ok)]
    [InlineData(600L * 1024 * 1024, 1_000L * 1024 * 1024, CheckStatus.Ok)]
    public void Space_FreeBytes_WarnUnder500MiBOr5Percent(long free, long total, CheckStatus expected)
    {
        DataDirectoryCheck.Space("data-directory", "/data", free, total).Status.ShouldBe(expected);
    }

    [Fact]
    public async Task DataDirectory_PathIsAFile_Fails()
    {
        var path = Path.GetTempFileName();
        try
        {
            var result = (await new DataDirectoryCheck("data-directory", path, "set Agent:DataDirectory").RunAsync(TestContext.Current.CancellationToken)).Single();

            result.Status.ShouldBe(CheckStatus.Fail);
            result.Message.ShouldBe($"{path} is a file, not a directory");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class Throwing : IDiagnosticCheck
    {
        public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("boom");
    }

    private sealed class Fixed(CheckResult result) : IDiagnosticCheck
    {
        public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<CheckResult>>([result]);
    }
}
