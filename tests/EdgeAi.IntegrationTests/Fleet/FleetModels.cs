using System.Security.Cryptography;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using Google.Protobuf;

namespace EdgeAi.IntegrationTests.Fleet;

/// <summary>Model artifacts for fleet tests, signed like the hub signs them.</summary>
internal sealed class FleetModels : IDisposable
{
    public ECDsa SigningKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string PublicKeyPem => SigningKey.ExportSubjectPublicKeyInfoPem();

    /// <summary>output = input + bias, bias all <paramref name="value"/>: input/output FLOAT [batch, width]; the answer says which version served.</summary>
    public static byte[] Bias(float value, int width = 4) =>
        new OnnxModelBuilder("bias")
            .Input("input", OnnxElementType.Float, -1, width)
            .Output("output", OnnxElementType.Float, -1, width)
            .Initializer("bias", [.. Enumerable.Repeat(value, width)], width)
            .Node("Add", ["input", "bias"], ["output"])
            .ToBytes();

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public DesiredModel Desired(string name, string version, byte[] bytes, string routingPolicy = "") => new()
    {
        Name = name,
        Version = version,
        Sha256 = Sha256(bytes),
        Signature = ByteString.CopyFrom(ModelSignature.Sign(SigningKey, name, version, Sha256(bytes))),
        RoutingPolicy = routingPolicy,
    };

    public static DesiredState State(long revision, params DesiredModel[] models)
    {
        var state = new DesiredState { Revision = revision };
        state.Models.Add(models);
        return state;
    }

    public void Dispose() => SigningKey.Dispose();
}
