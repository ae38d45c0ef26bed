using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Logging;

internal static class FileLogExtensions
{
    /// <summary>The agent's log file (Agent:Logs), beside the console log.</summary>
    public static IHostApplicationBuilder AddFileLog(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<FileLogOptions>().BindConfiguration(FileLogOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FileLogOptions>, FileLogOptionsValidator>();
        services.AddSingleton<FileLoggerProvider>();
        services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<FileLoggerProvider>());
        services.AddHostedService<FileLogStarter>();
        return builder;
    }
}
