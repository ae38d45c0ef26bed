namespace EdgeAi.Hub.Admin;

/// <summary>Why an admin operation was refused: the HTTP status and a problem's title and detail.</summary>
internal sealed record AdminError(int Status, string Title, string Detail);

/// <summary>The result of an admin operation: a value, or the error that refused it.</summary>
internal readonly record struct AdminOutcome<T>(T? Value, AdminError? Error)
{
    public static implicit operator AdminOutcome<T>(T value) => new(value, null);

    public static implicit operator AdminOutcome<T>(AdminError error) => new(default, error);
}
