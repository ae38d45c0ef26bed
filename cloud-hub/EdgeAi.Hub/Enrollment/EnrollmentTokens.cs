using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Enrollment;

/// <summary>Creates, lists and revokes enrollment tokens; every change is audited.</summary>
internal sealed class EnrollmentTokens(IDbContextFactory<HubDbContext> store, AuditLog audit, TimeProvider time)
{
    public async Task<CreatedToken> CreateAsync(TokenSpec spec, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (tags, uses, lifetime) = (spec.Tags, spec.Uses, spec.Lifetime);
        var token = EnrollmentToken.Create();
        var now = time.GetUtcNow();
        var expires = now + lifetime;
        var tagsJson = StringMapJson.WriteOrdered(tags);
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            db.EnrollmentTokens.Add(new EnrollmentTokenRow
            {
                Id = token.Id,
                SecretHash = EnrollmentToken.HashSecret(token.Secret),
                Tags = tagsJson,
                MaxUses = uses,
                ExpiresAtMs = expires.ToUnixTimeMilliseconds(),
                CreatedAtMs = now.ToUnixTimeMilliseconds(),
                CreatedBy = actor,
            });
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        await audit.RecordAsync(actor, "token.create", token.Id, $"uses={uses} expires={expires:O} tags={tagsJson}", cancellationToken).ConfigureAwait(false);
        return new CreatedToken(token.Id, token.ToString(), tags, uses, DateTimeOffset.FromUnixTimeMilliseconds(expires.ToUnixTimeMilliseconds()));
    }

    /// <summary>All tokens, newest first.</summary>
    public async Task<TokenSummary[]> ListAsync(CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var rows = await db.EnrollmentTokens.AsNoTracking().OrderByDescending(t => t.CreatedAtMs).ThenBy(t => t.Id)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            return [.. rows.Select(r => Summary(r, now))];
        }
    }

    /// <summary>Revokes a token, answering its summary; refused when there is none with this id, or when it was revoked before.</summary>
    public async Task<Outcome<TokenSummary>> RevokeAsync(string id, string actor, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var row = await db.EnrollmentTokens.SingleOrDefaultAsync(t => t.Id == id, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return Refusal.NotFound("Unknown token", $"no enrollment token '{id}' (see GET /api/tokens)");
            }
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (row.RevokedAtMs is { } revoked)
            {
                return Refusal.Conflict("Already revoked", $"enrollment token '{id}' was already revoked at {DateTimeOffset.FromUnixTimeMilliseconds(revoked):u}");
            }
            row.RevokedAtMs = now;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(actor, "token.revoke", id, $"used {row.Uses} of {row.MaxUses}", cancellationToken).ConfigureAwait(false);
            return Summary(row, now);
        }
    }

    private static TokenSummary Summary(EnrollmentTokenRow row, long nowMs) => new(
        row.Id, StringMapJson.Read(row.Tags), row.MaxUses, row.Uses, Math.Max(0, row.MaxUses - row.Uses),
        DateTimeOffset.FromUnixTimeMilliseconds(row.ExpiresAtMs), DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAtMs), row.CreatedBy,
        row.RevokedAtMs is { } revoked ? DateTimeOffset.FromUnixTimeMilliseconds(revoked) : null,
        row.ExpiresAtMs <= nowMs, row.RevokedAtMs is not null);
}
