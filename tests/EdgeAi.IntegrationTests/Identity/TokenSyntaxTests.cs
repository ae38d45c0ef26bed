using EdgeAi.Hub.Enrollment;

namespace EdgeAi.IntegrationTests.Identity;

/// <summary>Unit tests (no hub): token lifetimes, tags and the token's own format.</summary>
public sealed class TokenSyntaxTests
{
    [Theory]
    [InlineData("7d", 7 * 24 * 60)]
    [InlineData("12h", 12 * 60)]
    [InlineData("30m", 30)]
    [InlineData("30M", 30)]
    [InlineData(" 2d ", 2 * 24 * 60)]
    [InlineData("1.12:00:00", 36 * 60)]
    [InlineData("00:45:00", 45)]
    [InlineData("365d", 365 * 24 * 60)]
    public void TryParseDuration_Valid_Minutes(string text, int minutes)
    {
        TokenSyntax.TryParseDuration(text, out var duration, out var error).ShouldBeTrue(error);
        duration.ShouldBe(TimeSpan.FromMinutes(minutes));
    }

    [Theory]
    [InlineData(null, "is empty")]
    [InlineData("", "is empty")]
    [InlineData("7", "'7' is not a duration")]
    [InlineData("7w", "'7w' is not a duration")]
    [InlineData("-1d", "'-1d' is not a duration")]
    [InlineData("1.5h", "'1.5h' is not a duration")]
    [InlineData("d", "'d' is not a duration")]
    [InlineData("0m", "more than zero")]
    [InlineData("366d", "at most 365d")]
    [InlineData("99999999d", "at most 365d")]
    [InlineData("00:00:00", "more than zero")]
    [InlineData("-00:10:00", "more than zero")]
    [InlineData("1:2:3:4:5", "is not a TimeSpan")]
    public void TryParseDuration_Invalid_ErrorSaysWhatIsExpected(string? text, string message)
    {
        TokenSyntax.TryParseDuration(text, out _, out var error).ShouldBeFalse();
        error.ShouldContain(message);
        if (!message.Contains("365d", StringComparison.Ordinal) && !message.Contains("zero", StringComparison.Ordinal))
        {
            error.ShouldContain("7d, 12h, 30m");
        }
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
