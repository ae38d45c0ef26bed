namespace EdgeAi.Agent.Telemetry;

/// <summary>
/// A component whose numbers reach /metrics through observable instruments it creates in its constructor. The host
/// resolves every one before it starts, so each family is on the page from the first scrape.
/// </summary>
internal interface IMetricsSource;
