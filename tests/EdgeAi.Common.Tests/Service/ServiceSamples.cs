using EdgeAi.Common.Service;

namespace EdgeAi.Common.Tests.Service;

internal static class ServiceSamples
{
    public static ServiceProduct Agent { get; } = new("edge-agent", "EdgeAi edge agent", "edgeai", "/var/lib/edgeai", @"C:\ProgramData\EdgeAi\edge-agent", UsesGpio: true);

    public static ServiceDefinition Linux(params string[] extra) =>
        new(Agent, "/usr/local/bin/edge-agent", ServiceProduct.RunArguments("/var/lib/edgeai", extra), "edgeai", "/var/lib/edgeai", ["gpio"]);
}
