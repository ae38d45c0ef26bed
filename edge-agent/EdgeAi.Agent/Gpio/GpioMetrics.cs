using System.Text;
using EdgeAi.Agent.Telemetry;

namespace EdgeAi.Agent.Gpio;

/// <summary>GPIO on /metrics: whether it works (and why not), pin values, edges and writes per pin.</summary>
internal sealed class GpioMetrics(GpioService gpio, GpioEdgePump edges) : IMetricsSection
{
    public void Render(StringBuilder text)
    {
        var status = gpio.Status;
        PrometheusText.Header(text, "edgeai_gpio_enabled", "gauge", "1 while GPIO works; 0 with the driver and the reason when it is off or disabled.");
        PrometheusText.Line(text, "edgeai_gpio_enabled",
            $"driver=\"{PrometheusText.Label(status.Driver)}\",state=\"{status.State}\",reason=\"{PrometheusText.Label(status.Reason ?? "")}\"", status.IsEnabled ? 1 : 0);
        PrometheusText.Header(text, "edgeai_gpio_pin_value", "gauge", "Logical value of each configured pin (1 = active).");
        if (status.IsEnabled)
        {
            foreach (var pin in gpio.ReadAll())
            {
                PrometheusText.Line(text, "edgeai_gpio_pin_value", $"pin=\"{pin.Pin.Name}\",number=\"{pin.Pin.Number}\"", pin.Value == true ? 1 : 0);
            }
        }
        PrometheusText.Header(text, "edgeai_gpio_edges_total", "counter", "Input edges by pin and what became of them: triggered, bounced (debounce), held_off.");
        foreach (var (pin, triggered, bounced, heldOff) in edges.Counts)
        {
            PrometheusText.Line(text, "edgeai_gpio_edges_total", $"pin=\"{pin}\",verdict=\"triggered\"", triggered);
            PrometheusText.Line(text, "edgeai_gpio_edges_total", $"pin=\"{pin}\",verdict=\"bounced\"", bounced);
            PrometheusText.Line(text, "edgeai_gpio_edges_total", $"pin=\"{pin}\",verdict=\"held_off\"", heldOff);
        }
        PrometheusText.Header(text, "edgeai_gpio_edges_dropped_total", "counter", "Edges dropped because they arrived faster than they could be handled.");
        PrometheusText.Line(text, "edgeai_gpio_edges_dropped_total", "", gpio.EdgesDropped);
        PrometheusText.Header(text, "edgeai_gpio_writes_total", "counter", "Writes to each output pin (rules, indicators, REST, pulse ends).");
        foreach (var (pin, writes) in gpio.WriteCounts.Where(w => !gpio.Resolve(w.Pin).IsInput))
        {
            PrometheusText.Line(text, "edgeai_gpio_writes_total", $"pin=\"{pin}\"", writes);
        }
    }
}
