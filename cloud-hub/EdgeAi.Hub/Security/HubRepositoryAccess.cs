using Microsoft.AspNetCore.Http;
using EdgeAi.Serving.Repository;

namespace EdgeAi.Hub.Security;

/// <summary>
/// On the hub, loading or unloading a model changes it for every device that forwards to it, so only the
/// admin key may; a device key may read the repository index and the statistics.
/// </summary>
internal sealed class HubRepositoryAccess : IModelRepositoryAccess
{
    public const string Refusal =
        "loading and unloading the hub's models changes them for every device: it needs the admin key (authorization: Bearer <admin key>); a device key may only read the repository index and statistics";

    public string? RefuseChange(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.User.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == AdminKeyAuthentication.SchemeName) ? null : Refusal;
    }
}
