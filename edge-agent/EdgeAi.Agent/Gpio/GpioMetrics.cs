using System.Diagnostics.Metrics;
using EdgeAi.Agent.Telemetry;

namespace EdgeAi.Agent.Gpio;

/// <summary>GPIO on /metrics, observed at each scrape: whether it works (and why not), pin values, edges and writes per pin.</summary>
internal sealed class GpioMetrics : IMetricsSource
{
    public const string MeterName = "EdgeAi.Agent.Gpio";

    public GpioMetrics(IMeterFactory meters, GpioService gpio, GpioEdgePump edges)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("edgeai_gpio_enabled", () =>
        {
            var status = gpio.Status;
            return new Measurement<int>(status.IsEnabled ? 1 : 0,
                Tag("driver", status.Driver), Tag("state", status.State.ToString()), Tag("reason", status.Reason ?? ""));
        }, "1", "1 while GPIO works; 0 with the driver and the reason when it is off or disabled.");
        meter.CreateObservableGauge("edgeai_gpio_pin_value", () => gpio.Status.IsEnabled
                ? gpio.ReadAll().Select(p => new Measurement<int>(p.Value == true ? 1 : 0, Tag("pin", p.Pin.Name), Tag("number", p.Pin.Number)))
                : [],
            "1", "Logical value of each configured pin (1 = active).");
        meter.CreateObservableCounter("edgeai_gpio_edges", () => edges.Counts.SelectMany(c => new[]
            {
                new Measurement<long>(c.Triggered, Tag("pin", c.Pin), Tag("verdict", "triggered")),
                new Measurement<long>(c.Bounced, Tag("pin", c.Pin), Tag("verdict", "bounced")),
                new Measurement<long>(c.HeldOff, Tag("pin", c.Pin), Tag("verdict", "held_off")),
            }),
            "{edge}", "Input edges by pin and what became of them: triggered, bounced (debounce), held_off.");
        meter.CreateObservableCounter("edgeai_gpio_edges_dropped", () => gpio.EdgesDropped, "{edge}", "Edges dropped because they arrived faster than they could be handled.");
        meter.CreateObservableCounter("edgeai_gpio_writes", () => gpio.WriteCounts.Where(w => !gpio.Resolve(w.Pin).IsInput)
                .Select(w => new Measurement<long>(w.Writes, Tag("pin", w.Pin))),
            "{write}", "Writes to each output pin (rules, indicators, REST, pulse ends).");
    }

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
