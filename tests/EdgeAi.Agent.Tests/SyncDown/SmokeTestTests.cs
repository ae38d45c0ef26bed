using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;

namespace EdgeAi.Agent.Tests.SyncDown;

public sealed class SmokeTestTests
{
    [Fact]
    public void Request_DynamicDimensions_AreOneAndInputsZero()
    {
        var request = SmokeTest.Request("m", "3", [
            new TensorSpec("image", TensorDatatype.Fp32, [-1, 3, 2, 2]),
            new TensorSpec("text", TensorDatatype.Bytes, [-1, 2]),
            new TensorSpec("mask", TensorDatatype.Int64, [4]),
        ]);

        request.ModelVersion.ShouldBe("3");
        request.Inputs.Select(i => i.Shape.ToArray()).ShouldBe([[1L, 3, 2, 2], [1L, 2], [4L]]);
        request.RawInputContents.Select(r => r.Length).ShouldBe([48, 8, 32]);
        request.RawInputContents.ShouldAllBe(r => r.All(b => b == 0));
    }

    [Fact]
    public void NonFinite_NaNOrInfinityInAFloatOutput_NamesIt()
    {
        var response = new ModelInferResponse();
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "ids", Datatype = "INT64" });
        response.RawOutputContents.Add(ByteString.CopyFrom(new byte[8]));
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "scores", Datatype = "FP32" });
        response.RawOutputContents.Add(ByteString.CopyFrom(RawTensor.FromDoubles(TensorDatatype.Fp32, [0.5, double.NaN])));

        SmokeTest.NonFinite(response).ShouldBe("scores");
        response.RawOutputContents[1] = ByteString.CopyFrom(RawTensor.FromDoubles(TensorDatatype.Fp32, [0.5, 1]));
        SmokeTest.NonFinite(response).ShouldBeNull();
    }
}
