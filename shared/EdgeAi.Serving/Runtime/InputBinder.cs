using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EdgeAi.Common.Inference;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using InputTensor = EdgeAi.Common.Inference.ModelInferRequest.Types.InferInputTensor;

namespace EdgeAi.Serving.Runtime;

/// <summary>
/// Checks a request's inputs against the model's and turns them into ONNX Runtime values. Raw
/// contents are pinned and passed without a copy; typed contents are copied into arrays. Every
/// rejection names the tensor and what the model expects.
/// </summary>
internal static class InputBinder
{
    public static BoundInputs Bind(IReadOnlyList<TensorSpec> specs, ModelInferRequest request, long maxTensorBytes)
    {
        if (request.Inputs.Count == 0)
        {
            throw InferenceException.Invalid($"request has no inputs; the model expects {Describe(specs)}");
        }
        var useRaw = request.RawInputContents.Count > 0;
        if (useRaw && request.RawInputContents.Count != request.Inputs.Count)
        {
            throw InferenceException.Invalid(
                $"raw_input_contents has {request.RawInputContents.Count} entries for {request.Inputs.Count} inputs; send one per input, in the order of 'inputs'");
        }

        var bound = new BoundInputs();
        try
        {
            for (var i = 0; i < request.Inputs.Count; i++)
            {
                var input = request.Inputs[i];
                var spec = specs.FirstOrDefault(s => s.Name == input.Name)
                    ?? throw InferenceException.Invalid($"unknown input '{input.Name}'; the model expects {Describe(specs)}");
                if (bound.Names.Contains(input.Name))
                {
                    throw InferenceException.Invalid($"input '{input.Name}' is given twice");
                }
                var shape = CheckShape(spec, input);
                var count = TensorLimits.ElementCount(spec.Name, spec.Datatype, shape, maxTensorBytes);
                if (useRaw)
                {
                    if (HasTypedContents(input.Contents))
                    {
                        throw InferenceException.Invalid($"input '{input.Name}' has both typed contents and raw_input_contents; use one");
                    }
                    BindRaw(bound, spec, shape, count, request.RawInputContents[i]);
                }
                else
                {
                    bound.Add(spec.Name, FromTyped(spec, shape, count, input.Contents));
                }
            }

            var missing = specs.Where(s => !bound.Names.Contains(s.Name)).ToList();
            if (missing.Count > 0)
            {
                throw InferenceException.Invalid($"missing input {Describe(missing)}");
            }
            return bound;
        }
        catch
        {
            bound.Dispose();
            throw;
        }
    }

    public static string Describe(IEnumerable<TensorSpec> specs) => string.Join(", ", specs.Select(s => s.Describe()));

    private static long[] CheckShape(TensorSpec spec, InputTensor input)
    {
        if (!TensorDatatypes.TryParse(input.Datatype, out var datatype))
        {
            throw InferenceException.Invalid(
                $"input '{input.Name}': unknown datatype '{input.Datatype}'; expected {spec.Datatype.ToName()} (datatypes: {TensorDatatypes.AllNames})");
        }
        if (datatype != spec.Datatype)
        {
            throw InferenceException.Invalid(
                $"input '{input.Name}': datatype {input.Datatype} does not match the model's {spec.Datatype.ToName()}");
        }
        var shape = input.Shape.ToArray();
        if (shape.Length != spec.Shape.Count)
        {
            throw InferenceException.Invalid(
                $"input '{input.Name}': shape {TensorSpec.FormatShape(shape)} has rank {shape.Length}, the model expects rank {spec.Shape.Count} {TensorSpec.FormatShape(spec.Shape)}");
        }
        for (var d = 0; d < shape.Length; d++)
        {
            if (shape[d] < 0)
            {
                throw InferenceException.Invalid($"input '{input.Name}': dimension {d} is {shape[d]}; dimensions must be 0 or more");
            }
            if (spec.Shape[d] >= 0 && spec.Shape[d] != shape[d])
            {
                throw InferenceException.Invalid(
                    $"input '{input.Name}': dimension {d} is {shape[d]}, the model expects {spec.Shape[d]} (shape {TensorSpec.FormatShape(spec.Shape)})");
            }
        }
        return shape;
    }
    private static unsafe void BindRaw(BoundInputs bound, TensorSpec spec, long[] shape, long count, ByteString raw)
    {
        if (spec.Datatype == TensorDatatype.Bytes)
        {
            // Checked before ONNX Runtime allocates a string per element: a huge count with few bytes must not cost memory.
            if (raw.Length < 4 * count)
            {
                throw InferenceException.Invalid(
                    $"input '{spec.Name}': raw BYTES contents hold {raw.Length} bytes, too few for {count} elements of shape {TensorSpec.FormatShape(shape)}; each element is a 4-byte little-endian length and its bytes");
            }
            bound.Add(spec.Name, FromLengthPrefixed(spec, shape, count, raw.Span));
            return;
        }
        var expected = count * spec.Datatype.ElementSize();
        if (raw.Length != expected)
        {
            throw InferenceException.Invalid(
                $"input '{spec.Name}': raw contents hold {raw.Length} bytes, shape {TensorSpec.FormatShape(shape)} of {spec.Datatype.ToName()} needs {expected}");
        }
        var elementType = (TensorElementType)spec.Datatype.ToOnnx();
        if (expected == 0)
        {
            bound.Add(spec.Name, OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, elementType, shape));
            return;
        }
        // ONNX Runtime only reads inputs, so the request's immutable bytes can back the tensor directly.
        var pin = MemoryMarshal.AsMemory(raw.Memory).Pin();
        try
        {
            var value = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, elementType, shape, (IntPtr)pin.Pointer, expected);
            bound.Add(spec.Name, value, pin);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    private static OrtValue FromLengthPrefixed(TensorSpec spec, long[] shape, long count, ReadOnlySpan<byte> raw)
    {
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        try
        {
            var offset = 0;
            for (var i = 0; i < count; i++)
            {
                if (raw.Length - offset < 4)
                {
                    throw InferenceException.Invalid(
                        $"input '{spec.Name}': raw BYTES contents end after {i} of {count} elements; each element is a 4-byte little-endian length and its bytes");
                }
                var length = BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);
                offset += 4;
                if (length > raw.Length - offset)
                {
                    throw InferenceException.Invalid(
                        $"input '{spec.Name}': BYTES element {i} claims {length} bytes, only {raw.Length - offset} remain");
                }
                value.StringTensorSetElementAt(raw.Slice(offset, (int)length), i);
                offset += (int)length;
            }
            if (offset != raw.Length)
            {
                throw InferenceException.Invalid(
                    $"input '{spec.Name}': raw BYTES contents have {raw.Length - offset} bytes left over after {count} elements of shape {TensorSpec.FormatShape(shape)}");
            }
            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    private static bool HasTypedContents(InferTensorContents? c) =>
        c is not null && (c.BoolContents.Count + c.IntContents.Count + c.Int64Contents.Count + c.UintContents.Count
            + c.Uint64Contents.Count + c.Fp32Contents.Count + c.Fp64Contents.Count + c.BytesContents.Count) > 0;

    private static OrtValue FromTyped(TensorSpec spec, long[] shape, long count, InferTensorContents? contents)
    {
        contents ??= new InferTensorContents();
        return spec.Datatype switch
        {
            TensorDatatype.Bool => Create(spec, shape, count, contents.BoolContents, "bool_contents", contents, v => v),
            TensorDatatype.Int8 => Create(spec, shape, count, contents.IntContents, "int_contents", contents, v => checked((sbyte)v)),
            TensorDatatype.Int16 => Create(spec, shape, count, contents.IntContents, "int_contents", contents, v => checked((short)v)),
            TensorDatatype.Int32 => Create(spec, shape, count, contents.IntContents, "int_contents", contents, v => v),
            TensorDatatype.Int64 => Create(spec, shape, count, contents.Int64Contents, "int64_contents", contents, v => v),
            TensorDatatype.UInt8 => Create(spec, shape, count, contents.UintContents, "uint_contents", contents, v => checked((byte)v)),
            TensorDatatype.UInt16 => Create(spec, shape, count, contents.UintContents, "uint_contents", contents, v => checked((ushort)v)),
            TensorDatatype.UInt32 => Create(spec, shape, count, contents.UintContents, "uint_contents", contents, v => v),
            TensorDatatype.UInt64 => Create(spec, shape, count, contents.Uint64Contents, "uint64_contents", contents, v => v),
            TensorDatatype.Fp32 => Create(spec, shape, count, contents.Fp32Contents, "fp32_contents", contents, v => v),
            TensorDatatype.Fp64 => Create(spec, shape, count, contents.Fp64Contents, "fp64_contents", contents, v => v),
            TensorDatatype.Bytes => FromBytesContents(spec, shape, count, contents),
            _ => throw InferenceException.Invalid(
                $"input '{spec.Name}': {spec.Datatype.ToName()} has no typed contents field in the protocol; send it in raw_input_contents"),
        };
    }

    private static OrtValue Create<TWire, T>(
        TensorSpec spec, long[] shape, long count, IReadOnlyList<TWire> values, string field, InferTensorContents contents, Func<TWire, T> convert)
        where T : unmanaged
    {
        CheckCount(spec, shape, count, values.Count, field, contents);
        var data = new T[count];
        for (var i = 0; i < data.Length; i++)
        {
            try
            {
                data[i] = convert(values[i]);
            }
            catch (OverflowException)
            {
                throw InferenceException.Invalid($"input '{spec.Name}': value {values[i]} at index {i} is out of range for {spec.Datatype.ToName()}");
            }
        }
        return OrtValue.CreateTensorValueFromMemory(data, shape);
    }

    private static OrtValue FromBytesContents(TensorSpec spec, long[] shape, long count, InferTensorContents contents)
    {
        CheckCount(spec, shape, count, contents.BytesContents.Count, "bytes_contents", contents);
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        for (var i = 0; i < count; i++)
        {
            value.StringTensorSetElementAt(contents.BytesContents[i].Span, i);
        }
        return value;
    }

    private static void CheckCount(TensorSpec spec, long[] shape, long count, int given, string field, InferTensorContents contents)
    {
        if (given == count)
        {
            return;
        }
        if (given == 0 && HasTypedContents(contents))
        {
            throw InferenceException.Invalid($"input '{spec.Name}' is {spec.Datatype.ToName()}: its values go in {field}");
        }
        if (given == 0)
        {
            throw InferenceException.Invalid(
                $"input '{spec.Name}' has no data; send {count} values in contents.{field} or in raw_input_contents");
        }
        throw InferenceException.Invalid(
            $"input '{spec.Name}': {given} values in {field}, shape {TensorSpec.FormatShape(shape)} needs {count}");
    }
}
