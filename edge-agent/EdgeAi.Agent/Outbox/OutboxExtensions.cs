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
        // The key is read (or created) here too; a key file others can read stops the start (see OutboxKeyFile).
        services.AddSingleton(sp =>
        {
            var dataDirectory = sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataDirectory;
            var options = sp.GetRequiredService<IOptions<OutboxOptions>>().Value;
            var logger = sp.GetRequiredService<ILogger<DurableOutbox>>();
            return DurableOutbox.Open(
                Path.Combine(dataDirectory, options.FileName),
                options,
                sp.GetRequiredService<TimeProvider>(),
                logger,
                OutboxKeyFile.Resolve(options, dataDirectory, logger));
        });
        services.AddSingleton<EventReporter>();
        return builder;
    }
}
