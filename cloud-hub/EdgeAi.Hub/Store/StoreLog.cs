namespace EdgeAi.Hub.Store;

/// <summary>Store and migration log messages; event ids 3960-3979. Not named Log: files that use the store import another component's Log too.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(3960, LogLevel.Information, "Store ({Provider}) made by the previous release (no migration history): adopted as {Migration}")]
    public static partial void Adopted(ILogger logger, string provider, string migration);

    [LoggerMessage(3961, LogLevel.Information, "Store ({Provider}): applying {Count} migration(s): {Migrations}")]
    public static partial void Applying(ILogger logger, string provider, int count, string migrations);

    [LoggerMessage(3962, LogLevel.Information, "Store ({Provider}) migrations applied: {Migrations}")]
    public static partial void Applied(ILogger logger, string provider, string migrations);

    [LoggerMessage(3963, LogLevel.Information, "Another hub holds the PostgreSQL migration lock; waiting for it")]
    public static partial void WaitingForMigrationLock(ILogger logger);
}
