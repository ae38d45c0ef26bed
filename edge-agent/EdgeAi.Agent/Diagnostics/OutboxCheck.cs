using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Diagnostics;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Diagnostics;

/// <summary>
/// The outbox file read page by page with the agent's own start-up check (<see cref="OutboxFileReader"/>),
/// which opens it read-only and changes nothing: records pending, or the damage the next start will repair.
/// Given the outbox options, a second line on encryption at rest: on or off, the key file and its mode, and
/// whether the key opens the file.
/// </summary>
internal sealed class OutboxCheck(string path, OutboxOptions? options = null, string? dataDirectory = null) : IDiagnosticCheck
{
    public const string Id = "outbox";
    public const string EncryptionId = "outbox-encryption";

    public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken)
    {
        if (options is null || dataDirectory is null)
        {
            return Task.FromResult<IReadOnlyList<CheckResult>>([Run(key: null)]);
        }
        var (encryption, key) = Encryption(options, dataDirectory);
        return Task.FromResult<IReadOnlyList<CheckResult>>([Run(key), encryption]);
    }

    private CheckResult Run(string? key)
    {
        if (!File.Exists(path))
        {
            return CheckResult.Ok(Id, $"no outbox yet ({path} is created at the first start)");
        }
        OutboxFileScan scan;
        try
        {
            scan = OutboxFileReader.Check(path, key);
            if (!scan.IsHealthy)
            {
                // A running agent may be writing a page just as it is read: damage is what a second read still finds.
                scan = OutboxFileReader.Check(path, key);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return CheckResult.Warn(Id, $"{path} cannot be read: {e.Message}", "run the check as the agent's user (sudo -u edgeai edge-agent check)");
        }
        var size = new FileInfo(path).Length;
        if (scan.Encryption is OutboxFileEncryption.NoKey or OutboxFileEncryption.WrongKey)
        {
            return CheckResult.Fail(Id, $"{path} cannot be read: {scan.Problems[0]}",
                $"put back the key it was written with (Outbox:KeyFile) before the agent starts: a start without it moves the file aside as {Path.GetFileName(path)}.corrupt-{{stamp}} unread and begins a fresh outbox");
        }
        if (!scan.IsHealthy)
        {
            return CheckResult.Fail(Id, $"{path} is damaged: {string.Join("; ", scan.Problems.Take(3))}",
                $"start the agent (edge-agent run): it keeps the records that read back whole, moves the file aside as {Path.GetFileName(path)}.corrupt-{{stamp}} and reports an outbox_reset event; if it recurs, check the disk");
        }
        var pending = scan.Collections.Values.Where(c => c.Name.StartsWith("s_", StringComparison.Ordinal)).Sum(c => c.Documents);
        return CheckResult.Ok(Id, $"{pending} records pending in {path} ({size / 1024} KiB)");
    }

    /// <summary>The encryption line, and the key to read the file with (null when there is none or it is refused).</summary>
    private (CheckResult Result, string? Key) Encryption(OutboxOptions outbox, string data)
    {
        var keyPath = OutboxKeyFile.PathFor(outbox, data);
        var enabled = OutboxKeyFile.IsEnabled(outbox, data);
        var encrypted = OutboxCipher.IsEncrypted(path);
        string? key;
        try
        {
            key = OutboxKeyFile.TryRead(keyPath);
        }
        catch (OptionsValidationException e)
        {
            return (CheckResult.Fail(EncryptionId, e.Failures.First(), OutboxKeyFile.ModeProblem(keyPath) is null
                ? $"restore the key in {keyPath}, or delete it to have the agent create a new one (an outbox written with the old key is then moved aside unread)"
                : $"chmod 600 {keyPath}; the agent refuses to start with a key others can read"), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (CheckResult.Warn(EncryptionId, $"{keyPath} cannot be read: {e.Message}", "run the check as the agent's user (sudo -u edgeai edge-agent check)"), null);
        }
        var mode = $"Outbox:Encryption={outbox.Encryption}";
        if (encrypted && key is null)
        {
            return (CheckResult.Fail(EncryptionId, $"{path} is encrypted but its key file {keyPath} is missing",
                $"put the key file back (owner-only) before the agent starts; without it the next start moves the outbox aside unread"), null);
        }
        if (!enabled)
        {
            return (encrypted
                ? CheckResult.Ok(EncryptionId, $"encryption off ({mode}); the encrypted outbox is rewritten plain at the next start")
                : CheckResult.Ok(EncryptionId, $"encryption off ({mode}{(outbox.Encryption == OutboxEncryptionMode.Auto ? ", not enrolled, no key" : "")})"), key);
        }
        var state = key is null
            ? $"the key is created in {keyPath} at the next start"
            : $"key {keyPath} (owner-only)";
        var file = !File.Exists(path) ? "" : encrypted ? "; the outbox file is encrypted" : "; the outbox file is plain and is encrypted at the next start";
        return (CheckResult.Ok(EncryptionId, $"encryption on ({mode}): {state}{file}"), key);
    }
}
