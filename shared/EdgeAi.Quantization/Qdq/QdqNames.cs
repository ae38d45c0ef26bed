using EdgeAi.Common.Onnx.Proto;

namespace EdgeAi.Quantization.Qdq;

/// <summary>New tensor and node names that collide with nothing in the graph (nor with each other).</summary>
internal sealed class QdqNames
{
    private readonly HashSet<string> tensors = new(StringComparer.Ordinal);
    private readonly HashSet<string> nodes = new(StringComparer.Ordinal);

    public QdqNames(GraphProto graph)
    {
        foreach (var node in graph.Node)
        {
            nodes.Add(node.Name);
            tensors.UnionWith(node.Input);
            tensors.UnionWith(node.Output);
        }

        tensors.UnionWith(graph.Initializer.Select(t => t.Name));
        tensors.UnionWith(graph.Input.Select(i => i.Name));
        tensors.UnionWith(graph.Output.Select(o => o.Name));
    }

    public string Tensor(string wanted) => Unique(tensors, wanted);

    public string Node(string wanted) => Unique(nodes, wanted);

    private static string Unique(HashSet<string> used, string wanted)
    {
        var name = wanted;
        for (var i = 1; !used.Add(name); i++)
        {
            name = $"{wanted}_{i}";
        }

        return name;
    }
}
