using EdgeAi.Agent.Diagnostics;
using EdgeAi.Agent.Enrollment;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Outbox;

/// <summary>The outbox key file: created owner-only, refused when others can read it, on by default once enrolled; and what check says.</summary>
public sealed class OutboxKeyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-outbox-key-").FullName;

    private string KeyPath => Path.Combine(_dir, OutboxKeyFile.FileName);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Resolve_AutoNotEnrolled_OffAndNoKeyCreated()
    {
        var encryption = OutboxKeyFile.Resolve(new OutboxOptions(), _dir, NullLogger.Instance);

        encryption.Enabled.ShouldBeFalse();
        encryption.Password.ShouldBeNull();
        File.Exists(KeyPath).ShouldBeFalse();
    }

    [Fact]
    public void Resolve_AutoEnrolled_CreatesAnOwnerOnlyRandomKeyOnce()
    {
        File.WriteAllText(Path.Combine(_dir, DeviceIdentity.FileName), "{}");

        var first = OutboxKeyFile.Resolve(new OutboxOptions(), _dir, NullLogger.Instance);
        var second = OutboxKeyFile.Resolve(new OutboxOptions(), _dir, NullLogger.Instance);

        first.Enabled.ShouldBeTrue();
        Convert.FromBase64String(first.Password!).Length.ShouldBe(32);
        second.Key.ShouldBe(first.Key, "an existing key is kept");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(KeyPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        Directory.GetFiles(_dir, ".*.tmp").ShouldBeEmpty();
    }

    [Fact]
    public void Resolve_AutoNotEnrolledButAKeyExists_StaysOn()
    {
        var key = OutboxKeyFile.Create(KeyPath);

        var encryption = OutboxKeyFile.Resolve(new OutboxOptions(), _dir, NullLogger.Instance);

        encryption.Enabled.ShouldBeTrue("an identity removed must not turn an encrypted outbox plain");
        encryption.Password.ShouldBe(key);
    }

    [Fact]
    public void Resolve_KeyFileOverride_UsedRelativeToTheDataDirectory()
    {
        var encryption = OutboxKeyFile.Resolve(new OutboxOptions { Encryption = OutboxEncryptionMode.On, KeyFile = "keys/mine.key" }, _dir, NullLogger.Instance);

        File.ReadAllText(Path.Combine(_dir, "keys", "mine.key")).Trim().ShouldBe(encryption.Key);
    }

    [Fact]
    public void TryRead_KeyReadableByOthers_RefusedWithTheFix()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes");
            return;
        }
        OutboxKeyFile.Create(KeyPath);
        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var refused = Should.Throw<OptionsValidationException>(() => OutboxKeyFile.TryRead(KeyPath));

        refused.Message.ShouldContain("mode 644");
        refused.Message.ShouldContain($"chmod 600 {KeyPath}");
    }

    [Fact]
    public void TryRead_NotAKey_Refused()
    {
        File.WriteAllText(KeyPath, "hunter2\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Should.Throw<OptionsValidationException>(() => OutboxKeyFile.TryRead(KeyPath)).Message.ShouldContain("holds no outbox key");
    }

    [Fact]
    public void TryRead_HexKey_Accepted()
    {
        var hex = Convert.ToHexString(new byte[32]);
        File.WriteAllText(KeyPath, hex);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        OutboxKeyFile.TryRead(KeyPath).ShouldBe(hex);
    }

    [Fact]
    public async Task Check_EncryptedWithItsKey_OkOnBothLines()
    {
        var options = new OutboxOptions { Encryption = OutboxEncryptionMode.On };
        using (var outbox = DurableOutbox.Open(Path.Combine(_dir, "outbox.db"), options, new FakeTimeProvider(), encryption: OutboxKeyFile.Resolve(options, _dir, NullLogger.Instance)))
        {
            outbox.Append("telemetry", [1, 2, 3]);
        }

        var results = await new OutboxCheck(Path.Combine(_dir, "outbox.db"), options, _dir).RunAsync(Token);

        results.Select(r => r.Status).ShouldBe([CheckStatus.Ok, CheckStatus.Ok]);
        results[0].Message.ShouldStartWith("1 records pending");
        results[1].Id.ShouldBe(OutboxCheck.EncryptionId);
        results[1].Message.ShouldContain("encryption on");
        results[1].Message.ShouldContain("the outbox file is encrypted");
    }

    [Fact]
    public async Task Check_KeyReadableByOthers_FailsWithChmod()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes");
            return;
        }
        OutboxKeyFile.Create(KeyPath);
        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var results = await new OutboxCheck(Path.Combine(_dir, "outbox.db"), new OutboxOptions { Encryption = OutboxEncryptionMode.On }, _dir).RunAsync(Token);

        results[1].Status.ShouldBe(CheckStatus.Fail);
        results[1].Fix!.ShouldStartWith($"chmod 600 {KeyPath}");
    }

    [Fact]
    public async Task Check_EncryptedButKeyMissing_Fails()
    {
        var options = new OutboxOptions { Encryption = OutboxEncryptionMode.On };
        using (var outbox = DurableOutbox.Open(Path.Combine(_dir, "outbox.db"), options, new FakeTimeProvider(), encryption: OutboxKeyFile.Resolve(options, _dir, NullLogger.Instance)))
        {
            outbox.Append("telemetry", [1, 2, 3]);
        }
        File.Delete(KeyPath);

        var results = await new OutboxCheck(Path.Combine(_dir, "outbox.db"), options, _dir).RunAsync(Token);

        results.Select(r => r.Status).ShouldBe([CheckStatus.Fail, CheckStatus.Fail]);
        results[1].Message.ShouldContain("is missing");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
