using EdgeAi.Hub.Enrollment;

namespace EdgeAi.Hub.Tests.Enrollment;

/// <summary>Unit tests (no hub): token lifetimes (their syntax: DurationSyntaxTests), tags and the token's own format.</summary>
public sealed class TokenSyntaxTests
{
    [Theory]
    [InlineData("7d", 7 * 24 * 60)]
    [InlineData("1h30m", 90)]
    [InlineData("1.12:00:00", 36 * 60)]
    [InlineData("365d", 365 * 24 * 60)]
    public void TryParseLifetime_WithinAYear_Minutes(string text, int minutes)
    {
        TokenSyntax.TryParseLifetime(text, out var lifetime, out var error).ShouldBeTrue(error);
        lifetime.ShouldBe(TimeSpan.FromMinutes(minutes));
    }

    [Theory]
    [InlineData("7", "'7' has no unit; expected a whole number with a unit")]
    [InlineData("0m", "'0m' must be more than zero and at most 365d")]
    [InlineData("00:00:00", "'00:00:00' must be more than zero")]
    [InlineData("366d", "'366d' must be more than zero and at most 365d")]
    [InlineData("99999d", "at most 365d")]
    public void TryParseLifetime_BareNumberOrOutOfRange_Refused(string text, string message)
    {
        TokenSyntax.TryParseLifetime(text, out _, out var error).ShouldBeFalse();
        error.ShouldContain(message);
    }

    [Fact]
    public void TryParseTags_Pairs_TrimmedIntoMap()
    {
        TokenSyntax.TryParseTags(" site=lobby , kind=camera,fw=v1.2:rc@x/y ", out var tags, out var error).ShouldBeTrue(error);

        tags.ShouldBe(new Dictionary<string, string> { ["site"] = "lobby", ["kind"] = "camera", ["fw"] = "v1.2:rc@x/y" }, ignoreOrder: true);
        TokenSyntax.Format(tags).ShouldBe("fw=v1.2:rc@x/y,kind=camera,site=lobby");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void TryParseTags_Nothing_NoTags(string? text)
    {
        TokenSyntax.TryParseTags(text, out var tags, out _).ShouldBeTrue();
        tags.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("site", "'site' has no '='")]
    [InlineData("site=lobby,", "'' has no '='")]
    [InlineData("=lobby", "tag key '' is not valid")]
    [InlineData("-site=lobby", "tag key '-site' is not valid")]
    [InlineData("si te=lobby", "tag key 'si te' is not valid")]
    [InlineData("site=", "tag 'site' has value ''")]
    [InlineData("site=a=b", "tag 'site' has value 'a=b'")]
    [InlineData("site=lobby,site=hall", "tag 'site' is given twice")]
    public void TryParseTags_Invalid_ErrorNamesThePair(string text, string message)
    {
        TokenSyntax.TryParseTags(text, out _, out var error).ShouldBeFalse();
        error.ShouldContain(message);
    }

    [Fact]
    public void TryParseTags_TooMany_Refused()
    {
        var text = string.Join(',', Enumerable.Range(0, TokenSyntax.MaxTags + 1).Select(i => $"k{i}=v"));

        TokenSyntax.TryParseTags(text, out _, out var error).ShouldBeFalse();
        error.ShouldContain($"more than {TokenSyntax.MaxTags} tags");
    }

    [Fact]
    public void EnrollmentToken_CreateThenParse_RoundTripsAndIsUrlSafe()
    {
        var token = EnrollmentToken.Create();
        var text = token.ToString();

        EnrollmentToken.TryParse(text, out var parsed).ShouldBeTrue();
        parsed.ShouldBe(token);
        Uri.EscapeDataString(text).ShouldBe(text);
        EnrollmentToken.Create().ShouldNotBe(token);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("no-dot")]
    [InlineData("0123456789ab.")]
    [InlineData("0123456789AB.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("0123456789ab.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")]
    [InlineData("0123456789ab.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void EnrollmentToken_Malformed_NotParsed(string? text)
    {
        EnrollmentToken.TryParse(text, out _).ShouldBeFalse();
    }

    [Fact]
    public void GenerateId_HostNames_ValidDeviceIds()
    {
        foreach (var host in new[] { "Lobby Cam", "", null, "ünïcödé", new string('x', 200), "..--.." })
        {
            var id = DeviceEnroller.GenerateId(host);
            Common.Sync.SyncTopics.IsValidDeviceId(id).ShouldBeTrue(id);
        }
    }
}
