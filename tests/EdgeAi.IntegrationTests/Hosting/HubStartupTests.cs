using EdgeAi.Common.Sync;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Ingest;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Store;
using EdgeAi.Serving.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MQTTnet;

namespace EdgeAi.IntegrationTests.Hosting;

/// <summary>
/// The hub's start-up does not depend on registration order: the embedded broker awaits the store and
/// the device credentials itself. Registered broker first (the order in which it used to listen before
/// enrolled keys were loaded), a device connecting the moment it listens is still let in.
/// </summary>
public sealed class HubStartupTests : IDisposable
{
    private const string Device = "cam-1";
    private const string Key = "cam-1-enrolled-key-0123456789";

    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Start_BrokerRegisteredBeforeStoreAndCredentials_EnrolledDeviceAcceptedAndItsStatusStored()
    {
        var data = _scratch.Sub("hub");
        await EnrollAsync(data);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hub:DataDirectory"] = data,
            ["Hub:ListenAddress"] = "127.0.0.1",
            ["Hub:AdminKey"] = TestHub.AdminKey,
            ["Hub:Mqtt:Port"] = "0",
            ["Hub:Mqtt:TlsPort"] = "-1",
        });
        builder.Services.AddLogging();
        builder.Services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<LoopSupervisor>();
        builder.Services.AddSingleton<HubEndpoints>();
        builder.AddBroker();
        // Started right after the broker, before the services registered below.
        builder.Services.AddSingleton<EarlyDevice>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EarlyDevice>());
        builder.AddIngest();
        builder.AddAdminApi();
        builder.AddHubSecurity();
        builder.AddHubStore();
        using var host = builder.Build();

        await host.StartAsync(Token);
        try
        {
            host.Services.GetRequiredService<EarlyDevice>().Result.ShouldBe(MqttClientConnectResultCode.Success);
            var endpoints = host.Services.GetRequiredService<HubEndpoints>();
            using var device = await DeviceMqtt.ConnectDeviceAsync(endpoints.MqttPort, Token, Device, Key);
            // Acknowledged once stored: ingest and the store were ready too.
            await device.PublishAsync(DeviceMqtt.Message(SyncTopics.For(Device, SyncTopics.Status), DeviceMqtt.Online("4.5.6"), retain: true), Token);

            await using var db = await host.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(Token);
            var row = await db.Devices.AsNoTracking().SingleAsync(d => d.Id == Device, Token);
            row.Online.ShouldBeTrue();
            row.AgentVersion.ShouldBe("4.5.6");
        }
        finally
        {
            await host.StopAsync(Token);
        }
    }

    /// <summary>A device enrolled before this start: only the store knows its key.</summary>
    private static async Task EnrollAsync(string data)
    {
        var options = new DbContextOptionsBuilder().UseSqlite($"Data Source={Path.Combine(data, "hub.db")}").Options;
        await using var db = new SqliteHubDbContext(options);
        await db.Database.MigrateAsync(Token);
        db.Devices.Add(new DeviceRow { Id = Device, FirstSeenAtMs = 1, LastSeenAtMs = 1, KeyHash = DeviceCredentials.KeyHash(Key), EnrolledAtMs = 1 });
        await db.SaveChangesAsync(Token);
    }

    /// <summary>Connects as the enrolled device as soon as the host starts it, and keeps the broker's answer.</summary>
    private sealed class EarlyDevice(HubEndpoints endpoints) : IHostedService
    {
        public MqttClientConnectResultCode? Result { get; private set; }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            var connected = await client.ConnectAsync(DeviceMqtt.DeviceOptions(endpoints.MqttPort, Device, Device, Key).Build(), cancellationToken);
            Result = connected.ResultCode;
            if (client.IsConnected)
            {
                await client.DisconnectAsync(cancellationToken: cancellationToken);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
