namespace EdgeAi.Common.Service;

/// <summary>What differs between the agent's and the hub's service: names and defaults.</summary>
/// <param name="Name">The service and unit name (edge-agent, cloud-hub).</param>
/// <param name="Description">One line for the unit's Description= and the Windows service's display name.</param>
/// <param name="DefaultUser">The dedicated system account the Linux service runs as.</param>
/// <param name="LinuxDataDirectory">The data directory a Linux service uses unless --data-dir is given.</param>
/// <param name="WindowsDataDirectory">The same on Windows (under ProgramData).</param>
/// <param name="UsesGpio">Whether the service needs the gpio group (GPIO character devices).</param>
public sealed record ServiceProduct(
    string Name,
    string Description,
    string DefaultUser,
    string LinuxDataDirectory,
    string WindowsDataDirectory,
    bool UsesGpio)
{
    public string UnitFileName => $"{Name}.service";

    /// <summary>The arguments after the executable: <c>run --data-dir DIR</c> and what the operator added after <c>--</c>.</summary>
    public static IReadOnlyList<string> RunArguments(string dataDirectory, IEnumerable<string> extra) =>
        ["run", "--data-dir", dataDirectory, .. extra];
}
