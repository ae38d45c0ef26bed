using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeAi.Agent.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeAi.Agent.Gpio;

internal sealed record GpioPinView(string Name, int Number, string Mode, string? Edge, bool ActiveLow, int? Value, bool Writable, bool Drivable, string? Indicator);

internal sealed record GpioView(string Driver, string State, string? Reason, int? PinCount, IReadOnlyList<GpioPinView> Pins);

internal sealed record GpioPulseView(GpioPinView Pin, double PulseMs);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GpioView))]
[JsonSerializable(typeof(GpioPinView))]
[JsonSerializable(typeof(GpioPulseView))]
internal sealed partial class GpioJson : JsonSerializerContext;

/// <summary>
/// The local GPIO routes on the agent's REST listener: <c>GET /gpio</c>, <c>GET|PUT /gpio/{pin}</c> (an output
/// is set; a simulated input is driven, as the world would), <c>POST /gpio/{pin}/pulse?ms=</c>. A pin is named
/// or numbered; values are logical (1 = active). Refusals are problem+json naming the pin and the reason.
/// </summary>
internal static class GpioEndpoints
{
    private const string ValueExample = """{"value": 1}""";
    private const int MaxPulseMs = 3_600_000;

    public static IEndpointRouteBuilder MapGpio(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/gpio", List);
        app.MapGet("/gpio/{pin}", ReadPin);
        app.MapPut("/gpio/{pin}", WritePin);
        app.MapPost("/gpio/{pin}/pulse", PulsePin);
        return app;
    }

    private static Task List(HttpContext context) => Guard(context, gpio =>
    {
        var status = gpio.Status;
        var view = new GpioView(status.Driver, status.State, status.Reason, status.PinCount, [.. gpio.ReadAll().Select(p => View(gpio, p))]);
        return LocalApi.JsonAsync(context, 200, view, GpioJson.Default.GpioView);
    });

    private static Task ReadPin(HttpContext context) => Guard(context, gpio =>
        LocalApi.JsonAsync(context, 200, View(gpio, gpio.Read(Pin(context))), GpioJson.Default.GpioPinView));

    private static Task WritePin(HttpContext context) => Guard(context, async gpio =>
    {
        LocalApi.RequireLocalControl(context, "writing a pin");
        var pin = gpio.Resolve(Pin(context));
        var body = await LocalApi.ReadJsonAsync(context, ValueExample).ConfigureAwait(false)
            ?? throw new LocalApiException(400, $"the body is empty; send the logical value to set, e.g. {ValueExample}");
        var value = ParseValue(body);
        if (pin.IsInput)
        {
            gpio.Drive(pin.Name, value);
        }
        else
        {
            gpio.Write(pin.Name, value);
        }
        // A driven input reads its new value once the driver has delivered the edge; answer with what was asked.
        await LocalApi.JsonAsync(context, 200, View(gpio, new GpioPinState(pin, value)), GpioJson.Default.GpioPinView).ConfigureAwait(false);
    });

    private static Task PulsePin(HttpContext context) => Guard(context, async gpio =>
    {
        LocalApi.RequireLocalControl(context, "pulsing a pin");
        var pin = gpio.Resolve(Pin(context));
        TimeSpan? length = null;
        if (context.Request.Query.TryGetValue("ms", out var ms))
        {
            if (ms.Count != 1 || !int.TryParse(ms[0], NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) || milliseconds is < 1 or > MaxPulseMs)
            {
                throw new LocalApiException(400, $"ms '{ms}' must be a whole number of milliseconds from 1 to {MaxPulseMs}; without it the pin's Gpio:Pins:{pin.Name}:PulseLength applies");
            }
            length = TimeSpan.FromMilliseconds(milliseconds);
        }
        var pulsed = gpio.Pulse(pin.Name, length);
        await LocalApi.JsonAsync(context, 200, new GpioPulseView(View(gpio, new GpioPinState(pin, true)), pulsed.TotalMilliseconds), GpioJson.Default.GpioPulseView)
            .ConfigureAwait(false);
    });

    private static bool ParseValue(JsonElement body)
    {
        if (!body.TryGetProperty("value", out var value))
        {
            throw new LocalApiException(400, $"the body has no 'value'; expected e.g. {ValueExample}");
        }
        var parsed = value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when value.TryGetInt32(out var n) && n is 0 or 1 => n == 1,
            JsonValueKind.String when PinLevels.TryParse(value.GetString(), out var level) => level,
            _ => (bool?)null,
        };
        return parsed ?? throw new LocalApiException(400, $"'value' {value.GetRawText()} is not a pin value; expected 0 or 1 (or true/false, \"low\"/\"high\", \"off\"/\"on\")");
    }

    private static GpioPinView View(GpioService gpio, GpioPinState state)
    {
        var pin = state.Pin;
        var enabled = gpio.Status.IsEnabled;
        return new GpioPinView(
            pin.Name,
            pin.Number,
            pin.Mode,
            pin.IsInput ? pin.Edge : null,
            pin.ActiveLow,
            state.Value is { } value ? (value ? 1 : 0) : null,
            enabled && !pin.IsInput && pin.Indicator is null,
            enabled && pin.IsInput && gpio.Simulated is not null,
            pin.Indicator);
    }

    private static string Pin(HttpContext context) => (string)context.Request.RouteValues["pin"]!;

    private static async Task Guard(HttpContext context, Func<GpioService, Task> handle)
    {
        try
        {
            await handle(context.RequestServices.GetRequiredService<GpioService>()).ConfigureAwait(false);
        }
        catch (GpioException e)
        {
            var status = e.Refusal switch
            {
                GpioRefusal.UnknownPin => StatusCodes.Status404NotFound,
                GpioRefusal.Conflict => StatusCodes.Status409Conflict,
                GpioRefusal.Unavailable => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status400BadRequest,
            };
            await LocalApi.ProblemAsync(context, status, e.Message).ConfigureAwait(false);
        }
        catch (LocalApiException e)
        {
            await LocalApi.ProblemAsync(context, e.Status, e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The driver refused (a line that went away): the device's problem, not the caller's.
            await LocalApi.ProblemAsync(context, StatusCodes.Status503ServiceUnavailable, $"the GPIO driver failed: {e.Message}").ConfigureAwait(false);
        }
    }
}
