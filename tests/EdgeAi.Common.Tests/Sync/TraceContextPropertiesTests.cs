using System.Diagnostics;
using System.Text;
using EdgeAi.Common.Sync;

namespace EdgeAi.Common.Tests.Sync;

public sealed class TraceContextPropertiesTests
{
    private const string A = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string B = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private const string C = "00-5bf92f3577b34da6a3ce929d0e0e4736-10f067aa0ba902b7-00";

    [Fact]
    public void Format_NoRecordHasAContext_NoProperties()
    {
        TraceContextProperties.Format([null, null]).ShouldBeEmpty();
        TraceContextProperties.Format([]).ShouldBeEmpty();
    }

    [Fact]
    public void Format_FirstContextIsTraceParent_OthersDistinctLinks()
    {
        var properties = TraceContextProperties.Format([null, A, B, A, null, C]);

        properties.ShouldBe([new("traceparent", A), new("edgeai-trace-links", B + "," + C)]);
    }

    [Fact]
    public void Format_MalformedContexts_Skipped()
    {
        TraceContextProperties.Format(["garbage", A.ToUpperInvariant(), B]).ShouldBe([new("traceparent", B)]);
    }

    [Fact]
    public void Format_ManyContexts_CappedAndWithinEncodedBound()
    {
        var many = Enumerable.Range(1, 40).Select(i => $"00-{i:x32}-{i:x16}-01").ToList();

        var properties = TraceContextProperties.Format(many);

        var parsed = TraceContextProperties.Parse(properties.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        parsed.Links.Count.ShouldBe(TraceContextProperties.MaxContexts);
        properties.Sum(p => 1 + 2 + Encoding.UTF8.GetByteCount(p.Key) + 2 + Encoding.UTF8.GetByteCount(p.Value))
            .ShouldBeLessThanOrEqualTo(TraceContextProperties.MaxEncodedBytes);
    }

    [Fact]
    public void Parse_FormattedProperties_ParentIsFirstAndLinksHoldAll()
    {
        var properties = TraceContextProperties.Format([A, B, C]).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value));

        var contexts = TraceContextProperties.Parse(properties);

        contexts.Parent.ShouldNotBeNull();
        contexts.Parent.Value.TraceId.ToHexString().ShouldBe("0af7651916cd43dd8448eb211c80319c");
        contexts.Parent.Value.SpanId.ToHexString().ShouldBe("b7ad6b7169203331");
        contexts.Parent.Value.TraceFlags.ShouldBe(ActivityTraceFlags.Recorded);
        contexts.Parent.Value.IsRemote.ShouldBeTrue();
        contexts.Links.Select(l => l.TraceId.ToHexString()).ShouldBe([
            "0af7651916cd43dd8448eb211c80319c", "4bf92f3577b34da6a3ce929d0e0e4736", "5bf92f3577b34da6a3ce929d0e0e4736"]);
        contexts.Links[2].TraceFlags.ShouldBe(ActivityTraceFlags.None);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331")]
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra")]
    public void Parse_MalformedTraceParent_IgnoredNeverThrows(string value)
    {
        TraceContextProperties.IsValid(value).ShouldBeFalse();

        var contexts = TraceContextProperties.Parse([new("traceparent", value), new("edgeai-trace-links", value + ",,x," + value)]);

        contexts.ShouldBe(TraceContexts.None);
    }

    [Fact]
    public void Parse_BadParentGoodLinks_LinksOnly_OtherPropertiesIgnored()
    {
        var contexts = TraceContextProperties.Parse([
            new("content-kind", "x"), new("traceparent", null), new("traceparent", "nope"), new("edgeai-trace-links", " " + B + " ,junk")]);

        contexts.Parent.ShouldBeNull();
        contexts.Links.Single().TraceId.ToHexString().ShouldBe("4bf92f3577b34da6a3ce929d0e0e4736");
        TraceContextProperties.Parse(null).ShouldBe(TraceContexts.None);
    }

    [Fact]
    public void Current_W3CActivity_ItsId_OtherwiseNull()
    {
        TraceContextProperties.Current().ShouldBeNull();
        using (var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            TraceContextProperties.Current().ShouldBe(activity.Id);
            TraceContextProperties.IsValid(activity.Id).ShouldBeTrue();
        }
        using (new Activity("hierarchical").SetIdFormat(ActivityIdFormat.Hierarchical).Start())
        {
            TraceContextProperties.Current().ShouldBeNull();
        }
    }
}
