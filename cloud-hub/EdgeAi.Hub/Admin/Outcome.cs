namespace EdgeAi.Hub.Admin;

/// <summary>What kind of refusal it is: what was asked is wrong, names nothing there is, or does not fit what there is now.</summary>
internal enum RefusalKind
{
    Invalid,
    NotFound,
    Conflict,
}

/// <summary>
/// Why a fleet operation (tokens, devices, registry, deployments, twin) was refused: its kind, and a
/// title and detail a person can act on. Domain services say this; the endpoints turn it into an
/// HTTP status (<see cref="Http.HubProblems"/>), the fleet gRPC service into a status code.
/// </summary>
internal sealed record Refusal(RefusalKind Kind, string Title, string Detail)
{
    public static Refusal Invalid(string title, string detail) => new(RefusalKind.Invalid, title, detail);

    public static Refusal NotFound(string title, string detail) => new(RefusalKind.NotFound, title, detail);

    public static Refusal Conflict(string title, string detail) => new(RefusalKind.Conflict, title, detail);

    /// <summary>A device id with no row in the store: nothing was ever heard from it, enrolled or configured under it.</summary>
    public static Refusal UnknownDevice(string deviceId) => NotFound("Unknown device", $"no device '{deviceId}' has been seen by this hub");
}

/// <summary>The result of a fleet operation: a value, or the refusal that stopped it.</summary>
internal readonly record struct Outcome<T>(T? Value, Refusal? Error)
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Refusal refusal) => new(default, refusal);
}
