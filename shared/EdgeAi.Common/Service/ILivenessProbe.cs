namespace EdgeAi.Common.Service;

/// <summary>Says whether the process still does its work; the watchdog is fed only while every probe does.</summary>
public interface ILivenessProbe
{
    /// <summary>What is wrong, or null when live. A probe that does not answer in time counts as not live.</summary>
    Task<string?> ProblemAsync(CancellationToken cancellationToken);
}
