using System.CommandLine;
using System.Globalization;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using EdgeAi.Serving;

namespace EdgeAi.Hub.Cli;

/// <summary>The cloud-hub command line.</summary>
internal static class HubCli
{
    public static RootCommand Build()
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory (models, TLS certificate). Default: Hub:DataDirectory, else ~/.local/share/edgeai-hub." };
        var port = new Option<int?>("--port") { Description = "Port for gRPC and HTTPS (default 5001; 0 picks a free one)." };
        var listen = new Option<string?>("--listen") { Description = "Address to bind (default 0.0.0.0)." };
        var insecure = new Option<bool>("--insecure-dev") { Description = "Development only: plain HTTP/2 without TLS." };
        var mqttPort = new Option<int?>("--mqtt-port") { Description = "Embedded MQTT broker, plain port (default 1883; 0 picks a free one; -1 off)." };
        var mqttTlsPort = new Option<int?>("--mqtt-tls-port") { Description = "Embedded MQTT broker, TLS port (default 8883; 0 picks a free one; -1 off)." };
        var externalBroker = new Option<string?>("--external-broker") { Description = "Use this broker (mqtt://host:1883 or mqtts://host:8883) instead of the embedded one." };
        var run = new Command("run", "Serve the hub's models to devices (Open Inference Protocol with dynamic batching) and ingest their MQTT sync.")
        {
            dataDir, port, listen, insecure, mqttPort, mqttTlsPort, externalBroker,
        };
        run.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(dataDir) is { } d)
            {
                overrides["Hub:DataDirectory"] = Path.GetFullPath(d);
            }
            if (parse.GetValue(port) is { } p)
            {
                overrides["Hub:Port"] = p.ToString(CultureInfo.InvariantCulture);
            }
            if (parse.GetValue(listen) is { } l)
            {
                overrides["Hub:ListenAddress"] = l;
            }
            if (parse.GetValue(mqttPort) is { } mp)
            {
                overrides["Hub:Mqtt:Port"] = mp.ToString(CultureInfo.InvariantCulture);
            }
            if (parse.GetValue(mqttTlsPort) is { } mtp)
            {
                overrides["Hub:Mqtt:TlsPort"] = mtp.ToString(CultureInfo.InvariantCulture);
            }
            if (parse.GetValue(externalBroker) is { } eb)
            {
                overrides["Hub:Mqtt:ExternalBroker"] = eb;
            }
            if (parse.GetValue(insecure))
            {
                overrides["Hub:AllowInsecureHttp"] = "true";
            }
            return await RunAsync(overrides, cancellationToken).ConfigureAwait(false);
        });
        return new RootCommand("EdgeAi cloud hub: serves inference to devices that fall back to the cloud.")
        {
            run,
            TokensCommand.Create(),
            DevicesCommand.Create(),
            AuditCommand.Create(),
            ModelsCommand.Create(),
            DeploymentsCommand.Create(),
            DbCommand.Create(),
            CheckCommand.Create(),
            Service.HubService.Command(),
        };
    }

    private static Task<int> RunAsync(Dictionary<string, string?> overrides, CancellationToken cancellationToken) =>
        ServerRunner.RunAsync("cloud-hub", () => HubHost.Build(overrides), Announce, cancellationToken);

    private static void Announce(WebApplication app)
    {
        var endpoints = app.Services.GetRequiredService<HubEndpoints>();
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HubOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILogger<HubEndpoints>>();
        if (!endpoints.Tls)
        {
            Hosting.Log.InsecureHttp(logger);
        }
        var fingerprint = endpoints.Certificate is { } certificate ? HubCertificate.Fingerprint(certificate) : "-";
        Hosting.Log.Listening(logger, endpoints.Uri, endpoints.Tls ? "TLS" : "h2c", fingerprint, options.DataDirectory);
    }
}
