using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Broker;

/// <summary>Registers MQTT: the embedded broker, or the client of an external broker (Hub:Mqtt:ExternalBroker), or none (Hub:Mqtt:Enabled=false).</summary>
internal static class BrokerExtensions
{
    public static IHostApplicationBuilder AddBroker(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<MqttOptions>().BindConfiguration(MqttOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>();
        services.AddSingleton<MqttRefusals>();
        // Chosen at composition from configuration: the two brokers are different services, not one switched at run time.
        var mqtt = builder.Configuration.GetSection(MqttOptions.Section);
        if (!mqtt.GetValue(nameof(MqttOptions.Enabled), true))
        {
            services.AddSingleton<IDeviceBroker, NoBroker>();
        }
        else if (string.IsNullOrWhiteSpace(mqtt[nameof(MqttOptions.ExternalBroker)]))
        {
            services.AddSingleton<EmbeddedBroker>();
            services.AddSingleton<IDeviceBroker>(sp => sp.GetRequiredService<EmbeddedBroker>());
            services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBroker>());
        }
        else
        {
            services.AddSingleton<ExternalBrokerIngest>();
            services.AddSingleton<IDeviceBroker>(sp => sp.GetRequiredService<ExternalBrokerIngest>());
            services.AddHostedService(sp => sp.GetRequiredService<ExternalBrokerIngest>());
        }
        return builder;
    }
}
