using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeAi.Agent.Gpio;
using EdgeAi.Common.Onnx;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Gpio;

/// <summary>
/// A device with the simulated GPIO chip and the pins the edge-event tests use: an input <c>button</c> (line 3)
/// and outputs <c>lamp</c> (line 5) and <c>relay</c> (line 6); the classifier input file the rules read; and
/// calls to the agent's local routes.
/// </summary>
internal static class EdgeSettings
{
    public const int ButtonLine = 3;
    public const int LampLine = 5;
    public const int RelayLine = 6;

    /// <summary>The classifier's input in the rules' input file, and the class it is (computed in plain C#, not by the agent).</summary>
    public static readonly float[] Features = [0.5f, -1.25f, 2f, 0.75f];

    public static Dictionary<string, string?> SimulatedPins(string driver = GpioDriverNames.Simulated) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Gpio:Driver"] = driver,
        ["Gpio:PinCount"] = "16",
        ["Gpio:Pins:button:Number"] = ButtonLine.ToString(CultureInfo.InvariantCulture),
        ["Gpio:Pins:button:Mode"] = "input",
        ["Gpio:Pins:button:Edge"] = "rising",
        ["Gpio:Pins:lamp:Number"] = LampLine.ToString(CultureInfo.InvariantCulture),
        ["Gpio:Pins:lamp:Mode"] = "output",
        ["Gpio:Pins:relay:Number"] = RelayLine.ToString(CultureInfo.InvariantCulture),
        ["Gpio:Pins:relay:Mode"] = "output",
    };

    /// <summary>(label, score) of the classifier's best class for <see cref="Features"/>.</summary>
    public static (string Label, float Score) ExpectedClass()
    {
        var probabilities = SampleModels.ClassifierReference(Features);
        var best = Array.IndexOf(probabilities, probabilities.Max());
        return (best.ToString(CultureInfo.InvariantCulture), probabilities[best]);
    }

    /// <summary>Writes <see cref="Features"/> as a [1,4] JSON tensor file (what <c>edge-agent infer</c> reads too).</summary>
    public static string WriteFeatures(string directory, string name = "frame.json")
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, "[[" + string.Join(", ", Features.Select(f => f.ToString("R", CultureInfo.InvariantCulture))) + "]]");
        return path;
    }

    /// <summary>The simulated line's electrical level now.</summary>
    public static bool High(TestAgent agent, int line) =>
        agent.Services.GetRequiredService<GpioService>().Simulated!.Level(line) == System.Device.Gpio.PinValue.High;

    public static HttpClient Http(TestAgent agent) => new() { BaseAddress = agent.HttpUri, Timeout = TimeSpan.FromSeconds(60) };

    public static async Task<(int Status, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return ((int)response.StatusCode, body);
    }

    /// <summary>The rule's entry in <c>GET /rules</c>, or null.</summary>
    public static async Task<JsonElement?> RuleAsync(HttpClient http, string name, CancellationToken cancellationToken)
    {
        var (_, rules) = await SendAsync(http, HttpMethod.Get, "/rules", null, cancellationToken);
        return rules.EnumerateArray().Where(r => r.GetProperty("name").GetString() == name).Select(r => (JsonElement?)r).FirstOrDefault();
    }
}
