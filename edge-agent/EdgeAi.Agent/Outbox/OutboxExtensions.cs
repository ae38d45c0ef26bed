using EdgeAi.Agent.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Outbox;

internal static class OutboxExtensions
{
    /// <summary>The durable outbox every producer appends to, and the event reporter that appends events to it.</summary>
    public static IHostApplicationBuilder AddOutbox(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>();
        // This factory opens the file (after a check of every page; a damaged file is salvaged and replaced,
        // never fatal), so whoever holds the outbox holds an open one; the host builds its hosted services,
        // and with them the outbox, before it starts any of them.
        services.AddSingleton(sp => DurableOutbox.Open(
            Path.Combine(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataDirectory, sp.GetRequiredService<IOptions<OutboxOptions>>().Value.FileName),
            sp.GetRequiredService<IOptions<OutboxOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DurableOutbox>>()));
        services.AddSingleton<EventReporter>();
        return builder;
    }
}
