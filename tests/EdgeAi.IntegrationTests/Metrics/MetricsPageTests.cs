using System.Globalization;
using System.Text.Json;
using EdgeAi.Common.Onnx;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Metrics;

/// <summary>
/// A real agent's and hub's /metrics and /readyz: every line of the pages parsed, every family with HELP and TYPE
/// before its samples, no series twice, and the Triton-style inference series present after a request.
/// </summary>
public sealed class MetricsPageTests : HubTest
{
    private static readonly float[] Input = [0.5f, -1f, 1.5f, 2f];

    public override async ValueTask InitializeAsync()
    {
        Hub.Install("classifier", SampleModels.Classifier());
        await base.InitializeAsync();
    }

    [Fact]
    public async Task Metrics_AgentAndHub_EveryFamilyHasHelpAndTypeAndNoSeriesTwice()
    {
        await using var agent = new TestAgent(Scratch.Sub("agent"));
        agent.Install("classifier", SampleModels.Classifier());
        await agent.StartAsync(Hub, TestAgent.FastReconnect);
        using var http = new HttpClient { BaseAddress = agent.HttpUri };
        await agent.Grpc.ModelInferAsync(Requests.Fp32("classifier", [1, 4], Input), cancellationToken: Token);
        var (channel, hubClient, headers) = Hub.Client();
        using (channel)
        {
            await hubClient.ModelInferAsync(Requests.Fp32("classifier", [1, 4], Input), headers, cancellationToken: Token);
        }
        await Eventually.UntilAsync(async () => await AgentMetrics.ReadAsync(http, agent.HttpUri, "edgeai_uplink_connected", "", Token) == 1, "the uplink connected", Token);

        var agentPage = Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token));
        agentPage["edgeai_inference_request_success_total"].ShouldContain(s => s.Labels == "model=\"classifier\",version=\"1\"" && s.Value == 1);
        agentPage["edgeai_inference_served_total"].ShouldContain(s => s.Labels == "model=\"classifier\",served_by=\"local\"" && s.Value == 1);
        agentPage["edgeai_inference_request_duration_seconds"].ShouldContain(s => s.Name.EndsWith("_count", StringComparison.Ordinal) && s.Value == 1);
        agentPage["edgeai_inference_queue_duration_seconds"].ShouldContain(s => s.Labels.Contains("le=\"+Inf\"", StringComparison.Ordinal) && s.Value >= 1);
        agentPage["edgeai_inference_compute_duration_seconds"].Count(s => s.Name.EndsWith("_count", StringComparison.Ordinal)).ShouldBe(3); // input, infer, output
        agentPage["edgeai_outbox_depth"].Count.ShouldBeGreaterThan(0);
        agentPage.ShouldContainKey("edgeai_inference_request_failure_total");
        agentPage.ShouldContainKey("edgeai_agent_loop_restarts_total");
        agentPage.ShouldContainKey("edgeai_gpio_enabled");

        using var admin = AdminClient(Hub);
        var hubPage = Parse(await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token));
        hubPage.ShouldContainKey("edgeai_hub_ingest_records_stored_total");
        hubPage.ShouldContainKey("edgeai_hub_model_download_sent_bytes_total");
        hubPage["edgeai_inference_compute_duration_seconds"].ShouldContain(s => s.Name.EndsWith("_count", StringComparison.Ordinal) && s.Labels == "model=\"classifier\",version=\"1\",phase=\"infer\"" && s.Value >= 1);
    }

    [Fact]
    public async Task Readyz_Hub_StoreBrokerAndSigningKeyHealthy()
    {
        using var admin = AdminClient(Hub);
        using var response = await admin.GetAsync(new Uri("/readyz", UriKind.Relative), Token);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token));

        response.IsSuccessStatusCode.ShouldBeTrue();
        var checks = body.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        checks.ShouldBe(new Dictionary<string, string?>
        {
            ["broker"] = "Healthy", ["live"] = "Healthy", ["models"] = "Healthy", ["signing_key"] = "Healthy", ["store"] = "Healthy",
        }, ignoreOrder: true);
    }

    private sealed record Sample(string Name, string Labels, double Value);

    /// <summary>
    /// The page as families (by the name in TYPE) and their samples. Fails on a sample before its family's HELP and TYPE,
    /// a family described twice, a series (name and labels) written twice, or a line that is not a comment or a sample.
    /// </summary>
    private static Dictionary<string, List<Sample>> Parse(string page)
    {
        var families = new Dictionary<string, List<Sample>>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new HashSet<string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        page.ShouldEndWith("\n");
        foreach (var line in page.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var name = line["# HELP ".Length..].Split(' ')[0];
                helps.Add(name).ShouldBeTrue($"HELP twice for {name}");
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                helps.ShouldContain(parts[2], $"TYPE before HELP for {parts[2]}");
                types.TryAdd(parts[2], parts[3]).ShouldBeTrue($"TYPE twice for {parts[2]}");
                parts[3].ShouldBeOneOf("counter", "gauge", "histogram");
                families[parts[2]] = [];
                continue;
            }
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            space.ShouldBeGreaterThan(0, $"not a sample: {line}");
            var sampleName = brace > 0 ? line[..brace] : line[..space];
            var labels = brace > 0 ? line[(brace + 1)..line.LastIndexOf('}')] : "";
            var value = double.Parse(line[(space + 1)..].Replace("+Inf", "Infinity", StringComparison.Ordinal), CultureInfo.InvariantCulture);
            series.Add(sampleName + "{" + labels + "}").ShouldBeTrue($"series twice: {line}");
            var family = FamilyOf(sampleName, types);
            family.ShouldNotBeNull($"sample without HELP and TYPE: {line}");
            if (types[family] == "counter")
            {
                family.ShouldEndWith("_total");
            }
            families[family].Add(new Sample(sampleName, labels, value));
        }
        return families;
    }

    private static string? FamilyOf(string sample, Dictionary<string, string> types)
    {
        if (types.ContainsKey(sample))
        {
            return sample;
        }
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(sample[..^suffix.Length], out var type) && type == "histogram")
            {
                return sample[..^suffix.Length];
            }
        }
        return null;
    }
}
