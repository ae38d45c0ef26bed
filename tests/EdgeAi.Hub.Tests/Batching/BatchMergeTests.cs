using EdgeAi.Common.Inference;
using EdgeAi.Hub.Batching;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;

namespace EdgeAi.Hub.Tests.Batching;

/// <summary>Which requests may share a batch: one whose bytes do not match its shape, or with more rows than a batch, runs alone.</summary>
public sealed class BatchMergeTests
{
    private static readonly TensorSpec[] Inputs = [new("input", TensorDatatype.Fp32, [-1, 4])];
    private static readonly TensorSpec[] Outputs = [new("output", TensorDatatype.Fp32, [-1, 4])];

    [Fact]
    public void CanBatch_RawBytesMatchShape_Batches() =>
        BatchMerge.CanBatch(Inputs, Outputs, Request([2, 4], 32), maxRows: 8).ShouldBeTrue();

    [Theory]
    [InlineData(28)]  // 4 bytes short: merged with a request 4 bytes long, the batch would add up and each get the other's rows
    [InlineData(36)]
    [InlineData(0)]
    public void CanBatch_RawBytesDoNotMatchShape_RunsAlone(int bytes) =>
        BatchMerge.CanBatch(Inputs, Outputs, Request([2, 4], bytes), maxRows: 8).ShouldBeFalse();

    [Theory]
    [InlineData(9L)]
    [InlineData(long.MaxValue)]
    [InlineData(1L << 62)]
    [InlineData(-1L)]
    [InlineData(0L)]
    public void CanBatch_RowsOutsideABatch_RunsAlone(long rows) =>
        BatchMerge.CanBatch(Inputs, Outputs, Request([rows, 4], 16), maxRows: 8).ShouldBeFalse();

    [Fact]
    public void CanBatch_ShapeWhoseBytesOverflow_RunsAlone() =>
        BatchMerge.CanBatch(Inputs, Outputs, Request([2, 1L << 61], 32), maxRows: 8).ShouldBeFalse();

    [Fact]
    public void CanBatch_InputsWithDifferentRowCounts_RunsAlone()
    {
        TensorSpec[] two = [new("a", TensorDatatype.Fp32, [-1, 3]), new("b", TensorDatatype.Fp32, [-1, 3])];
        var request = Request([2, 3], 24, "a");
        var b = new ModelInferRequest.Types.InferInputTensor { Name = "b", Datatype = "FP32" };
        b.Shape.AddRange([3, 3]);
        request.Inputs.Add(b);
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[36]));

        BatchMerge.CanBatch(two, Outputs, request, maxRows: 8).ShouldBeFalse();
    }

    [Fact]
    public void Merge_TwoRequests_AddsRowsAndConcatenatesBytes()
    {
        var merged = BatchMerge.Merge([Request([1, 4], 16), Request([3, 4], 48)]);

        merged.Inputs[0].Shape.ShouldBe([4L, 4L]);
        merged.RawInputContents[0].Length.ShouldBe(64);
    }

    private static ModelInferRequest Request(long[] shape, int bytes, string input = "input")
    {
        var request = new ModelInferRequest { ModelName = "m" };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input, Datatype = "FP32" };
        tensor.Shape.AddRange(shape);
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[bytes]));
        return request;
    }
}
