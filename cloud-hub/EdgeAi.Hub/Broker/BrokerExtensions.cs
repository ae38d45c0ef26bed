using EdgeAi.Hub.Broker.DynamicSecurity;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
            if (mqtt.GetValue($"{nameof(MqttOptions.DynamicSecurity)}:{nameof(DynamicSecurityOptions.Enabled)}", false))
            {
                services.AddSingleton<DynamicSecurityLink>();
                services.AddHostedService(sp => sp.GetRequiredService<DynamicSecurityLink>());
                services.AddSingleton<IDynsecChannel>(sp => sp.GetRequiredService<DynamicSecurityLink>());
                services.AddSingleton<IDeviceAccounts, DynamicSecurityAccounts>();
                services.AddSingleton<DynamicSecurityReconciler>();
                services.AddHostedService(sp => sp.GetRequiredService<DynamicSecurityReconciler>());
            }
        }
        // Whoever registered no broker accounts above has none to keep: the embedded broker checks the hub's own credentials.
        services.TryAddSingleton<IDeviceAccounts, NoDeviceAccounts>();
        return builder;
    }
}
