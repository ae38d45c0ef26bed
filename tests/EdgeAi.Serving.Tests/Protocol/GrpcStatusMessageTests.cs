using EdgeAi.Serving.Protocol;

namespace EdgeAi.Serving.Tests.Protocol;

public sealed class GrpcStatusMessageTests
{
    [Theory]
    [InlineData("missing credentials: send 'authorization: Bearer <device key>'", "missing credentials: send 'authorization: Bearer <device key>'")]
    [InlineData("device a/b was revoked", "device a/b was revoked")]
    [InlineData("100% sure", "100%25 sure")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("größe", "gr%C3%B6%C3%9Fe")]
    public void Encode_PercentEncodesOnlyWhatTheSpecificationSays(string message, string expected) =>
        GrpcStatusMessage.Encode(message).ShouldBe(expected);

    [Fact]
    public void Encode_RoundTripsThroughUnescape() =>
        Uri.UnescapeDataString(GrpcStatusMessage.Encode("ü: 50% / \t done")).ShouldBe("ü: 50% / \t done");
}
