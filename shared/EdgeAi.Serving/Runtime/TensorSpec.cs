using EdgeAi.Common.Inference;

namespace EdgeAi.Serving.Runtime;

/// <summary>A model input or output as the protocol describes it; -1 marks a dynamic dimension.</summary>
public sealed record TensorSpec(string Name, TensorDatatype Datatype, IReadOnlyList<long> Shape)
{
    public string Describe() => $"'{Name}' ({Datatype.ToName()} {FormatShape(Shape)})";

    public static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(",", shape) + "]";

    public ModelMetadataResponse.Types.TensorMetadata ToMetadata()
    {
        var metadata = new ModelMetadataResponse.Types.TensorMetadata { Name = Name, Datatype = Datatype.ToName() };
        metadata.Shape.AddRange(Shape);
        return metadata;
    }
}
