using System.Buffers.Text;
using System.Security.Cryptography;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Admin;
using BrokerAccountsException = EdgeAi.Hub.Broker.BrokerAccountsException;
using BrokerLoginTakenException = EdgeAi.Hub.Broker.BrokerLoginTakenException;
using IDeviceAccounts = EdgeAi.Hub.Broker.IDeviceAccounts;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Enrollment;

/// <summary>
/// Exchanges an enrollment token for a device identity. The token's secret is compared in constant
/// time; its use is counted by one conditional UPDATE in the same transaction that creates the
/// device, so concurrent enrollments never spend more uses than the token has, and a refused device
/// id gives the use back. With an external broker that keeps device logins (dynamic security), the
/// login is made inside that transaction, once the id is ours: a broker that cannot take it rolls
/// the enrollment back (Unavailable, the device retries), and no other device's login is touched.
/// </summary>
internal sealed class DeviceEnroller(
    IDbContextFactory<HubDbContext> store, DeviceCredentials credentials, IDeviceAccounts brokerAccounts, AuditLog audit, TimeProvider time, ILogger<DeviceEnroller> logger)
{
    // Compared against when the token id is unknown, so an unknown id costs the same as a wrong secret.
    private static readonly string NoSecretHash = new('0', SHA256.HashSizeInBytes * 2);

    public async Task<EnrolledDevice> EnrollAsync(string? tokenText, string? requestedDeviceId, string? hostname, CancellationToken cancellationToken)
    {
        if (!EnrollmentToken.TryParse(tokenText?.Trim(), out var token))
        {
            throw new EnrollmentException(EnrollmentRefusal.Malformed, $"the enrollment token is malformed: expected {EnrollmentToken.Form}");
        }
        var requested = string.IsNullOrWhiteSpace(requestedDeviceId) ? null : requestedDeviceId.Trim();
        if (requested is not null && !SyncTopics.IsValidDeviceId(requested))
        {
            throw new EnrollmentException(EnrollmentRefusal.Malformed, $"requested device id '{requested}' is not valid: use 1 to 64 characters from [A-Za-z0-9._-]");
        }
        var row = await FindTokenAsync(token.Value, cancellationToken).ConfigureAwait(false);
        Refuse(row, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (requested is not null && credentials.IsConfigured(requested))
        {
            throw new EnrollmentException(EnrollmentRefusal.DeviceTaken, $"device id '{requested}' is taken (configured in Hub:DeviceKeys); ask for another id or none");
        }

        var deviceId = requested ?? GenerateId(hostname);
        var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var keyHash = DeviceCredentials.KeyHash(key);
        var tags = StringMapJson.Read(row.Tags);
        await CommitAsync(row, deviceId, key, cancellationToken).ConfigureAwait(false);

        credentials.Enrolled(deviceId, keyHash);
        await audit.RecordAsync($"token:{row.Id}", "device.enroll", deviceId, $"hostname={hostname} tags={row.Tags}", cancellationToken).ConfigureAwait(false);
        Log.DeviceEnrolled(logger, deviceId, row.Id, row.Tags);
        return new EnrolledDevice(deviceId, key, tags);
    }

    private async Task<EnrollmentTokenRow> FindTokenAsync(EnrollmentToken token, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var row = await db.EnrollmentTokens.AsNoTracking().SingleOrDefaultAsync(t => t.Id == token.Id, cancellationToken).ConfigureAwait(false);
            var expected = Convert.FromHexString(row?.SecretHash ?? NoSecretHash);
            var presented = Convert.FromHexString(EnrollmentToken.HashSecret(token.Secret));
            if (!CryptographicOperations.FixedTimeEquals(presented, expected) || row is null)
            {
                throw new EnrollmentException(EnrollmentRefusal.Unauthenticated, "unknown enrollment token or wrong secret");
            }
            return row;
        }
    }

    /// <summary>Why a token cannot be used now (only said to someone who holds its secret).</summary>
    private static void Refuse(EnrollmentTokenRow row, long nowMs)
    {
        if (row.RevokedAtMs is { } revoked)
        {
            throw new EnrollmentException(EnrollmentRefusal.Refused, $"enrollment token {row.Id} was revoked at {DateTimeOffset.FromUnixTimeMilliseconds(revoked):u}");
        }
        if (row.ExpiresAtMs <= nowMs)
        {
            throw new EnrollmentException(EnrollmentRefusal.Refused, $"enrollment token {row.Id} expired at {DateTimeOffset.FromUnixTimeMilliseconds(row.ExpiresAtMs):u}");
        }
        if (row.Uses >= row.MaxUses)
        {
            throw new EnrollmentException(EnrollmentRefusal.Refused, $"enrollment token {row.Id} is used up ({row.Uses} of {row.MaxUses} uses)");
        }
    }

    private async Task CommitAsync(EnrollmentTokenRow token, string deviceId, string key, CancellationToken cancellationToken)
    {
        var keyHash = DeviceCredentials.KeyHash(key);
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                // The one place a use is spent: the conditions are re-checked by the database, under its write lock.
                var spent = await db.EnrollmentTokens
                    .Where(t => t.Id == token.Id && t.RevokedAtMs == null && t.ExpiresAtMs > now && t.Uses < t.MaxUses)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.Uses, t => t.Uses + 1), cancellationToken).ConfigureAwait(false);
                if (spent == 0)
                {
                    var current = await db.EnrollmentTokens.AsNoTracking().SingleAsync(t => t.Id == token.Id, cancellationToken).ConfigureAwait(false);
                    Refuse(current, now);
                    throw new EnrollmentException(EnrollmentRefusal.Refused, $"enrollment token {token.Id} cannot be used now");
                }
                // A device row the hub only saw traffic from (never enrolled, not revoked) is taken over; any other is taken.
                var claimed = await db.Devices
                    .Where(d => d.Id == deviceId && d.KeyHash == null && d.RevokedAtMs == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.KeyHash, keyHash).SetProperty(d => d.Tags, token.Tags).SetProperty(d => d.EnrolledAtMs, now),
                        cancellationToken).ConfigureAwait(false);
                if (claimed == 0)
                {
                    if (await db.Devices.AnyAsync(d => d.Id == deviceId, cancellationToken).ConfigureAwait(false))
                    {
                        throw Taken(deviceId);
                    }
                    db.Devices.Add(new DeviceRow { Id = deviceId, FirstSeenAtMs = now, LastSeenAtMs = now, Tags = token.Tags, KeyHash = keyHash, EnrolledAtMs = now });
                    try
                    {
                        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (DbUpdateException)
                    {
                        // Another enrollment created the same id between our check and insert (the primary key decides).
                        throw Taken(deviceId);
                    }
                }
                // Last before the commit: the store's write lock is held for the broker's round trip (bounded by its
                // CommandTimeout), the price of never having a stored device the broker would refuse.
                try
                {
                    await brokerAccounts.ProvisionAsync(deviceId, key, cancellationToken).ConfigureAwait(false);
                }
                catch (BrokerLoginTakenException e)
                {
                    throw new EnrollmentException(EnrollmentRefusal.DeviceTaken, $"device id '{deviceId}' is taken at the MQTT broker ({e.Message}); ask for another id or none");
                }
                catch (BrokerAccountsException e)
                {
                    throw new EnrollmentException(EnrollmentRefusal.BrokerUnavailable,
                        $"the MQTT broker cannot take device '{deviceId}' now, so nothing was stored and no token use spent; try again later ({e.Message})");
                }
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static EnrollmentException Taken(string deviceId) =>
        new(EnrollmentRefusal.DeviceTaken, $"device id '{deviceId}' is taken by another device (enrolled, or revoked); ask for another id or none");

    /// <summary>The host name made id-safe plus a random suffix (two devices may share a host name), else "device-" and random hex.</summary>
    internal static string GenerateId(string? hostname)
    {
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var name = new string([.. (hostname ?? "").Trim().ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-')]).Trim('-', '.');
        name = name.Length > 48 ? name[..48] : name;
        return name.Length == 0 ? $"device-{suffix}" : $"{name}-{suffix}";
    }
}

internal sealed record EnrolledDevice(string DeviceId, string DeviceKey, IReadOnlyDictionary<string, string> Tags);

internal enum EnrollmentRefusal
{
    Malformed,
    Unauthenticated,
    Refused,
    DeviceTaken,
    BrokerUnavailable,
}

/// <summary>An enrollment was refused; the message says why in words a person can act on.</summary>
internal sealed class EnrollmentException(EnrollmentRefusal refusal, string message) : Exception(message)
{
    public EnrollmentRefusal Refusal { get; } = refusal;
}
