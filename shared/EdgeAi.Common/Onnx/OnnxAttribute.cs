using System.Diagnostics.CodeAnalysis;
using EdgeAi.Common.Onnx.Proto;
using Google.Protobuf;

namespace EdgeAi.Common.Onnx;

/// <summary>A node attribute for <see cref="OnnxModelBuilder.Node"/>, e.g. <c>OnnxAttribute.Int("axis", -1)</c>.</summary>
[SuppressMessage(
    "Naming",
    "CA1711:Identifiers should not have incorrect suffix",
    Justification = "An ONNX node attribute (AttributeProto), not a .NET attribute; ONNX's own term reads best.")]
public sealed class OnnxAttribute
{
    private readonly AttributeProto proto;

    private OnnxAttribute(AttributeProto proto) => this.proto = proto;

    public string Name => proto.Name;

    public static OnnxAttribute Int(string name, long value) =>
        Create(name, AttributeProto.Types.AttributeType.Int, a => a.I = value);

    public static OnnxAttribute Float(string name, float value) =>
        Create(name, AttributeProto.Types.AttributeType.Float, a => a.F = value);

    public static OnnxAttribute Ints(string name, params long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Create(name, AttributeProto.Types.AttributeType.Ints, a => a.Ints.AddRange(values));
    }

    public static OnnxAttribute String(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Create(name, AttributeProto.Types.AttributeType.String, a => a.S = ByteString.CopyFromUtf8(value));
    }

    // A copy, so one attribute instance can go on several nodes.
    internal AttributeProto ToProto() => proto.Clone();

    private static OnnxAttribute Create(string name, AttributeProto.Types.AttributeType type, Action<AttributeProto> set)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var proto = new AttributeProto { Name = name, Type = type };
        set(proto);
        return new OnnxAttribute(proto);
    }
}
