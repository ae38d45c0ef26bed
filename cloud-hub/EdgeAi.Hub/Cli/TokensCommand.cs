using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Enrollment;

namespace EdgeAi.Hub.Cli;

/// <summary><c>cloud-hub tokens create|list|revoke</c>: enrollment tokens, through the admin API.</summary>
internal static class TokensCommand
{
    public static Command Create() =>
        new Command("tokens", "Enrollment tokens: devices exchange one for their identity with 'edge-agent enroll'.") { CreateToken(), List(), Revoke() }
            .WithConnection();

    private static Command CreateToken()
    {
        var tags = new Option<string?>("--tags") { Description = $"Tags for the devices enrolled with it: {TokenSyntax.TagsForm}." };
        var uses = new Option<int>("--uses")
        {
            Description = "How many devices may enroll with it.",
            DefaultValueFactory = _ => TokenSyntax.DefaultUses,
        };
        var expires = new Option<string>("--expires")
        {
            Description = $"How long it is valid: {DurationSyntax.Forms}.",
            DefaultValueFactory = _ => TokenSyntax.DefaultExpiresIn,
        };
        var command = new Command("create", "Create an enrollment token; it is shown once, with the command that enrolls a device.") { tags, uses, expires };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Checked here too, so a typo is named before anything is sent.
            if (!TokenSyntax.TryParseTags(parse.GetValue(tags), out var tagMap, out var tagError))
            {
                return await Usage(parse, $"--tags: {tagError}").ConfigureAwait(false);
            }
            var useCount = parse.GetValue(uses);
            if (useCount is < 1 or > TokenSyntax.MaxUses)
            {
                return await Usage(parse, $"--uses {useCount}: expected a whole number from 1 to {TokenSyntax.MaxUses}").ConfigureAwait(false);
            }
            var lifetime = parse.GetValue(expires)!;
            if (!TokenSyntax.TryParseLifetime(lifetime, out _, out var durationError))
            {
                return await Usage(parse, $"--expires {durationError}").ConfigureAwait(false);
            }
            return await AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/tokens", UriKind.Relative))
                {
                    Content = JsonContent.Create(new CreateTokenRequest(tagMap, useCount, lifetime), EnrollmentJson.Default.CreateTokenRequest),
                };
                var created = await AdminCommandRunner.SendAsync(client, request, EnrollmentJson.Default.CreatedToken, ct).ConfigureAwait(false);
                using var hubRequest = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/hub", UriKind.Relative));
                var hub = await AdminCommandRunner.SendAsync(client, hubRequest, EnrollmentJson.Default.HubInfo, ct).ConfigureAwait(false);
                await output.WriteLineAsync(
                    $"Enrollment token {created.Id}: {created.Uses} use(s), expires {created.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)}, tags {TokenSyntax.Format(created.Tags)}").ConfigureAwait(false);
                await output.WriteLineAsync($"  {created.Token}").ConfigureAwait(false);
                await output.WriteLineAsync("It is shown only now. On the device, run:").ConfigureAwait(false);
                await output.WriteLineAsync($"  {EnrollLine(client.BaseAddress!, created.Token, hub.Fingerprint)}").ConfigureAwait(false);
                if (client.BaseAddress!.IsLoopback)
                {
                    await output.WriteLineAsync($"  (from another machine, replace {client.BaseAddress.Host} with an address of this hub that the device can reach)").ConfigureAwait(false);
                }
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The enroll command for a device: pinned to the hub's certificate, or --insecure when the hub runs without TLS.</summary>
    internal static string EnrollLine(Uri hub, string token, string? fingerprint)
    {
        var trust = fingerprint is null ? "--insecure" : $"--fingerprint {fingerprint}";
        return $"edge-agent enroll --hub {hub.GetLeftPart(UriPartial.Authority)} --token {token} {trust}";
    }

    private static Command List()
    {
        var command = new Command("list", "List enrollment tokens (never their secrets): uses left, expired, revoked.");
        command.SetAction((parse, cancellationToken) => AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/tokens", UriKind.Relative));
            var tokens = await AdminCommandRunner.SendAsync(client, request, EnrollmentJson.Default.TokenSummaryArray, ct).ConfigureAwait(false);
            if (tokens.Length == 0)
            {
                await output.WriteLineAsync("no enrollment tokens (make one with 'cloud-hub tokens create')").ConfigureAwait(false);
                return;
            }
            await output.WriteLineAsync($"{"ID",-14} {"STATE",-8} {"USED",-9} {"EXPIRES",-21} {"CREATED BY",-16} TAGS").ConfigureAwait(false);
            foreach (var t in tokens)
            {
                var state = t.Revoked ? "revoked" : t.Expired ? "expired" : t.UsesLeft == 0 ? "used up" : "active";
                await output.WriteLineAsync(
                    $"{t.Id,-14} {state,-8} {$"{t.Used}/{t.Uses}",-9} {t.ExpiresAt.ToString("u", CultureInfo.InvariantCulture),-21} {t.CreatedBy,-16} {TokenSyntax.Format(t.Tags)}")
                    .ConfigureAwait(false);
            }
        }, cancellationToken));
        return command;
    }

    private static Command Revoke()
    {
        var id = new Argument<string>("id") { Description = "The token's id (the part before the dot; see 'cloud-hub tokens list')." };
        var command = new Command("revoke", "Revoke an enrollment token: no device can enroll with it any more (enrolled devices stay).") { id };
        command.SetAction((parse, cancellationToken) =>
        {
            // Accept the whole token too: people paste what they have.
            var tokenId = parse.GetRequiredValue(id).Split('.')[0];
            return AdminCommandRunner.RunAsync(parse, async (client, output, ct) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri($"/api/tokens/{Uri.EscapeDataString(tokenId)}", UriKind.Relative));
                var token = await AdminCommandRunner.SendAsync(client, request, EnrollmentJson.Default.TokenSummary, ct).ConfigureAwait(false);
                await output.WriteLineAsync($"revoked enrollment token {token.Id} (it had been used {token.Used} of {token.Uses} times)").ConfigureAwait(false);
            }, cancellationToken);
        });
        return command;
    }

    private static async Task<int> Usage(ParseResult parse, string message)
    {
        await parse.InvocationConfiguration.Error.WriteLineAsync($"cloud-hub tokens create: {message}").ConfigureAwait(false);
        return 1;
    }
}
