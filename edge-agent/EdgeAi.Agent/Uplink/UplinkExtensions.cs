using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Uplink;

internal static class UplinkExtensions
{
    /// <summary>The one MQTT connection to the hub's broker; its users register as <see cref="IUplinkSender"/> and <see cref="IUplinkReceiver"/>.</summary>
    public static IHostApplicationBuilder AddUplink(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<UplinkOptions>().BindConfiguration(UplinkOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UplinkOptions>, UplinkOptionsValidator>();
        services.AddSingleton<UplinkState>();
        services.AddSingleton<MqttConnection>();
        services.AddHostedService(sp => sp.GetRequiredService<MqttConnection>());
        return builder;
    }
}
