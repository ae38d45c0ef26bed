using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeAi.Common.Onnx.Proto;
using Google.Protobuf;

namespace EdgeAi.Common.Onnx;

/// <summary>
/// Writes small, real ONNX models (test fixtures, demos) without Python. A -1 in a shape is written
/// as a symbolic dimension: "batch" for dimension 0, "d1", "d2", ... for the others, unless names are given.
/// </summary>
public sealed class OnnxModelBuilder
{
    // IR 8 is what opset 17 shipped with (ONNX 1.12); runtimes refuse IR versions newer than they
    // know, so the oldest that fits loads in the most places.
    private const long IrVersion = 8;

    private readonly ModelProto model;
    private int nodeCount;

    public OnnxModelBuilder(string graphName, int opset = 17)
    {
        ArgumentException.ThrowIfNullOrEmpty(graphName);
        ArgumentOutOfRangeException.ThrowIfLessThan(opset, 1);
        model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "EdgeAi",
            ProducerVersion = typeof(OnnxModelBuilder).Assembly.GetName().Version?.ToString(3) ?? "",
            Graph = new GraphProto { Name = graphName },
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
    }

    public OnnxModelBuilder Input(string name, int elementType, params long[] shape) => Input(name, elementType, shape, null);

    /// <param name="dimNames">A name per dimension for the -1 entries; null entries get the default name.</param>
    public OnnxModelBuilder Input(string name, int elementType, long[] shape, string?[]? dimNames)
    {
        model.Graph.Input.Add(ValueInfo(name, elementType, shape, dimNames));
        return this;
    }

    public OnnxModelBuilder Output(string name, int elementType, params long[] shape) => Output(name, elementType, shape, null);

    /// <param name="dimNames">A name per dimension for the -1 entries; null entries get the default name.</param>
    public OnnxModelBuilder Output(string name, int elementType, long[] shape, string?[]? dimNames)
    {
        model.Graph.Output.Add(ValueInfo(name, elementType, shape, dimNames));
        return this;
    }

    /// <summary>Adds a FLOAT constant; empty <paramref name="dims"/> makes a scalar.</summary>
    public OnnxModelBuilder Initializer(string name, float[] data, params long[] dims) =>
        AddInitializer<float>(name, OnnxElementType.Float, data, dims);

    /// <summary>Adds an INT8 constant; empty <paramref name="dims"/> makes a scalar.</summary>
    public OnnxModelBuilder Initializer(string name, sbyte[] data, params long[] dims) =>
        AddInitializer<sbyte>(name, OnnxElementType.Int8, data, dims);

    /// <summary>Adds a UINT8 constant; empty <paramref name="dims"/> makes a scalar.</summary>
    public OnnxModelBuilder Initializer(string name, byte[] data, params long[] dims) =>
        AddInitializer<byte>(name, OnnxElementType.UInt8, data, dims);

    /// <summary>Adds an INT32 constant; empty <paramref name="dims"/> makes a scalar.</summary>
    public OnnxModelBuilder Initializer(string name, int[] data, params long[] dims) =>
        AddInitializer<int>(name, OnnxElementType.Int32, data, dims);

    /// <summary>Adds an INT64 constant; empty <paramref name="dims"/> makes a scalar.</summary>
    public OnnxModelBuilder Initializer(string name, long[] data, params long[] dims) =>
        AddInitializer<long>(name, OnnxElementType.Int64, data, dims);

    public OnnxModelBuilder Node(string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(attributes);
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{nodeCount++}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes.Select(a => a.ToProto()));
        model.Graph.Node.Add(node);
        return this;
    }

    /// <summary>Imports (or changes the version of) an operator set; "" is the default ai.onnx domain.</summary>
    public OnnxModelBuilder Opset(string domain, long version)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        var existing = model.OpsetImport.FirstOrDefault(o => o.Domain == domain);
        if (existing is null)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }
        else
        {
            existing.Version = version;
        }

        return this;
    }

    public byte[] ToBytes() => model.ToByteArray();

    public void Save(string path) => File.WriteAllBytes(path, ToBytes());

    private static ValueInfoProto ValueInfo(string name, int elementType, long[] shape, string?[]? dimNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(elementType, 1);
        ArgumentNullException.ThrowIfNull(shape);
        if (dimNames is not null && dimNames.Length != shape.Length)
        {
            throw new ArgumentException($"{dimNames.Length} dimension names given for a shape of rank {shape.Length}", nameof(dimNames));
        }

        var tensorShape = new TensorShapeProto();
        for (var i = 0; i < shape.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(shape[i], -1, nameof(shape));
            tensorShape.Dim.Add(shape[i] == -1
                ? new TensorShapeProto.Types.Dimension { DimParam = dimNames?[i] ?? (i == 0 ? "batch" : $"d{i}") }
                : new TensorShapeProto.Types.Dimension { DimValue = shape[i] });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = tensorShape } },
        };
    }

    private OnnxModelBuilder AddInitializer<T>(string name, int elementType, T[] data, long[] dims)
        where T : unmanaged
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(dims);
        var count = 1L;
        foreach (var dim in dims)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dim, nameof(dims));
            count *= dim;
        }

        if (count != data.Length)
        {
            throw new ArgumentException($"initializer '{name}' has {data.Length} values for dimensions [{string.Join(", ", dims)}] ({count} values)", nameof(data));
        }

        var tensor = new TensorProto { Name = name, DataType = elementType, RawData = ByteString.CopyFrom(LittleEndian(data)) };
        tensor.Dims.AddRange(dims);
        model.Graph.Initializer.Add(tensor);
        return this;
    }

    // ONNX raw_data is little-endian whatever the machine.
    private static byte[] LittleEndian<T>(T[] data)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            var size = Unsafe.SizeOf<T>();
            for (var i = 0; i < bytes.Length; i += size)
            {
                bytes.AsSpan(i, size).Reverse();
            }
        }

        return bytes;
    }
}
