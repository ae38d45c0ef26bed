using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace EdgeAi.Agent.Cli;

/// <summary>
/// <c>edge-agent gpio list|read|write|pulse</c>: a running agent's pins through its local REST routes (<c>/gpio</c>).
/// Values are logical (1 = active); writing a simulated input drives it as the world would.
/// </summary>
internal static class GpioCommand
{
    public static Command Create() =>
        new("gpio", "Show, read, write and pulse a running agent's GPIO pins (simulated inputs can be driven).") { List(), Read(), Write(), Pulse() };

    private static Command List()
    {
        var url = LocalApiClient.UrlOption();
        var command = new Command("list", "The driver, whether GPIO works (and why not), and every configured pin with its value.") { url };
        command.SetAction((parse, cancellationToken) => LocalApiClient.RunAsync(parse, url, async (client, output, token) =>
        {
            var gpio = await LocalApiClient.GetAsync(client, "gpio", token).ConfigureAwait(false);
            var state = LocalApiClient.Text(gpio, "state");
            var reason = LocalApiClient.Text(gpio, "reason");
            var pinCount = LocalApiClient.Text(gpio, "pinCount");
            await output.WriteLineAsync($"driver {LocalApiClient.Text(gpio, "driver")}: {state}{(pinCount.Length > 0 ? $" ({pinCount} lines)" : "")}{(reason.Length > 0 ? $": {reason}" : "")}")
                .ConfigureAwait(false);
            var pins = gpio.GetProperty("pins");
            if (pins.GetArrayLength() == 0)
            {
                await output.WriteLineAsync("no pins configured (Gpio:Pins)").ConfigureAwait(false);
                return 0;
            }
            await output.WriteLineAsync($"{"NAME",-16} {"PIN",4} {"MODE",-15} {"EDGE",-8} {"VALUE",5}  NOTES").ConfigureAwait(false);
            foreach (var pin in pins.EnumerateArray())
            {
                await output.WriteLineAsync(Row(pin)).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command Read()
    {
        var pin = PinArgument();
        var url = LocalApiClient.UrlOption();
        var command = new Command("read", "A pin's logical value (1 = active).") { pin, url };
        command.SetAction((parse, cancellationToken) => LocalApiClient.RunAsync(parse, url, async (client, output, token) =>
        {
            var state = await LocalApiClient.GetAsync(client, $"gpio/{LocalApiClient.Segment(parse.GetRequiredValue(pin))}", token).ConfigureAwait(false);
            await output.WriteLineAsync(Line(state)).ConfigureAwait(false);
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command Write()
    {
        var pin = PinArgument();
        var value = new Argument<string>("value") { Description = "The logical value: 0 or 1 (low/high, off/on, false/true)." };
        var url = LocalApiClient.UrlOption();
        var command = new Command("write", "Set an output pin; on a simulated input, drive it (a sensor or button, as the world would).") { pin, value, url };
        command.SetAction((parse, cancellationToken) => LocalApiClient.RunAsync(parse, url, async (client, output, token) =>
        {
            var body = $"{{\"value\":\"{JsonEncodedText.Encode(parse.GetRequiredValue(value))}\"}}";
            var state = await LocalApiClient.PutJsonAsync(client, $"gpio/{LocalApiClient.Segment(parse.GetRequiredValue(pin))}", body, token)
                .ConfigureAwait(false);
            await output.WriteLineAsync(Line(state)).ConfigureAwait(false);
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command Pulse()
    {
        var pin = PinArgument();
        var ms = new Option<int?>("--ms") { Description = "How long the pin stays active, in milliseconds (default: the pin's Gpio:Pins:{name}:PulseLength)." };
        var url = LocalApiClient.UrlOption();
        var command = new Command("pulse", "Make a pin active for a while, then inactive (an output; or a simulated input, as a button press).") { pin, ms, url };
        command.SetAction((parse, cancellationToken) => LocalApiClient.RunAsync(parse, url, async (client, output, token) =>
        {
            var path = $"gpio/{LocalApiClient.Segment(parse.GetRequiredValue(pin))}/pulse";
            if (parse.GetValue(ms) is { } length)
            {
                path += "?ms=" + length.ToString(CultureInfo.InvariantCulture);
            }
            var pulse = await LocalApiClient.PostAsync(client, path, token).ConfigureAwait(false);
            var state = pulse.GetProperty("pin");
            await output.WriteLineAsync($"{LocalApiClient.Text(state, "name")} (pin {LocalApiClient.Text(state, "number")}) pulsed for {LocalApiClient.Text(pulse, "pulseMs")} ms")
                .ConfigureAwait(false);
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Argument<string> PinArgument() => new("pin") { Description = "The pin's name (Gpio:Pins:{name}) or its line number." };

    private static string Line(JsonElement pin)
    {
        var value = LocalApiClient.Text(pin, "value");
        return $"{LocalApiClient.Text(pin, "name")} (pin {LocalApiClient.Text(pin, "number")}, {LocalApiClient.Text(pin, "mode")}) = {(value.Length == 0 ? "-" : value)}";
    }

    private static string Row(JsonElement pin)
    {
        var notes = new List<string>();
        if (LocalApiClient.Text(pin, "activeLow") == "true")
        {
            notes.Add("active-low");
        }
        if (LocalApiClient.Text(pin, "indicator") is { Length: > 0 } indicator)
        {
            notes.Add($"indicator {indicator}");
        }
        if (LocalApiClient.Text(pin, "drivable") == "true")
        {
            notes.Add("simulated: can be driven");
        }
        var value = LocalApiClient.Text(pin, "value");
        return $"{LocalApiClient.Text(pin, "name"),-16} {LocalApiClient.Text(pin, "number"),4} {LocalApiClient.Text(pin, "mode"),-15} {LocalApiClient.Text(pin, "edge"),-8} "
            + $"{(value.Length == 0 ? "-" : value),5}  {string.Join(", ", notes)}".TrimEnd();
    }
}
