namespace EdgeAi.Hub.Store;

/// <summary>One entry of the audit log: who did what to which target, and when (unix ms).</summary>
internal sealed class AuditRow
{
    public long Id { get; set; }

    public long AtMs { get; set; }

    /// <summary>"admin" (or the name the CLI sent), "token:{id}" for an enrollment, "hub" for the rollout controller.</summary>
    public required string Actor { get; set; }

    /// <summary>Dotted verb, e.g. token.create, device.enroll, device.revoke, model.push, deployment.create, deployment.rollback.</summary>
    public required string Action { get; set; }

    public required string Target { get; set; }

    public string? Detail { get; set; }
}
