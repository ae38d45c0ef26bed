using System.Text.Json.Serialization;

namespace EdgeAi.Hub.Http;

/// <summary>
/// The hub's HTTP plumbing on ASP.NET Core's own parts: problem details for error answers, bad bodies
/// turned into problems that say what was wrong, 413s that name their limit, and the JSON options the
/// endpoints' source-generated contexts plug into (each room adds its own).
/// </summary>
internal static class HttpExtensions
{
    public static IHostApplicationBuilder AddHubHttp(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestProblems>();
        // As every hub JSON context is generated (JsonSourceGenerationOptions): web defaults, nulls left out.
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull);
        return builder;
    }

    /// <summary>Exceptions the endpoints did not answer (a body they could not take among them) become problem+json.</summary>
    public static IApplicationBuilder UseHubHttp(this IApplicationBuilder app) => app.UseExceptionHandler();

    /// <summary>Puts a room's source-generated JSON context first for its endpoints' bodies and answers.</summary>
    public static IServiceCollection AddHttpJson(this IServiceCollection services, JsonSerializerContext context) =>
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, context));
}
