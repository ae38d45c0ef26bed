using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.SharedMemory;

namespace EdgeAi.Agent.Hosting;

/// <summary>Triton's system_shared_memory extension for apps on the device (section "Agent:SharedMemory").</summary>
internal sealed class SharedMemoryOptions
{
    public const string Section = "Agent:SharedMemory";

    /// <summary>Whether local apps may register POSIX shared-memory regions (/dev/shm) and pass tensors through them. Linux only.</summary>
    public bool Enabled { get; set; } = true;
}

internal static class SharedMemoryHosting
{
    /// <summary>
    /// The region registry and the extension's entry in ServerMetadata, where it is enabled and the machine has
    /// /dev/shm. Decided when the host is built: a server lists only what it serves. A value that is not a boolean
    /// fails the start (the options are bound on start, and binding refuses it).
    /// </summary>
    public static IHostApplicationBuilder AddSystemSharedMemory(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SharedMemoryOptions>().BindConfiguration(SharedMemoryOptions.Section).ValidateOnStart();
        var configured = builder.Configuration[$"{SharedMemoryOptions.Section}:{nameof(SharedMemoryOptions.Enabled)}"];
        var enabled = configured is null || (bool.TryParse(configured, out var value) && value);
        if (enabled && SharedMemoryRegistry.IsSupported)
        {
            builder.Services.AddSingleton<SharedMemoryRegistry>();
            builder.Services.AddSingleton(new ProtocolExtension("system_shared_memory"));
        }
        return builder;
    }
}
