namespace EdgeAi.Agent.Twin;

internal static class TwinExtensions
{
    /// <summary>
    /// Adds the hub's desired configuration as a layer above the sources added so far: the agent host adds it
    /// last, so the fleet's values win for the keys it may set (only live ones; see <see cref="LiveConfig"/>).
    /// </summary>
    public static IConfigurationBuilder AddDesiredConfiguration(this IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.Add(new DesiredConfiguration());
    }

    /// <summary>The live configuration that applies the desired layer (found in the agent's configuration, wherever it was added).</summary>
    public static IHostApplicationBuilder AddTwin(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(sp => sp.GetRequiredService<IConfiguration>() is IConfigurationRoot root
            && root.Providers.OfType<DesiredConfiguration>().SingleOrDefault() is { } desired
                ? desired
                : throw new InvalidOperationException("the agent's configuration has no desired-configuration layer (AddDesiredConfiguration)"));
        services.AddSingleton<LiveConfig>();
        return builder;
    }
}
