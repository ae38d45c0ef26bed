using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;

namespace EdgeAi.Hub.Batching;

/// <summary>Concatenates requests along dimension 0 and splits the batched response back, row for row.</summary>
internal static class BatchMerge
{
    /// <summary>
    /// Whether a request may share a batch: raw inputs only (no BYTES), every input and output of the
    /// model batched along dimension 0, the same row count in every input, no more rows than a batch
    /// holds, and raw contents exactly as long as each input's shape says. The last matters: merged,
    /// one request's missing bytes and another's extra bytes would add up to a valid batch, and each
    /// would get rows computed from the other's data. Such a request runs alone and is refused there.
    /// </summary>
    public static bool CanBatch(IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs, ModelInferRequest request, int maxRows)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Inputs.Count == 0 || request.RawInputContents.Count != request.Inputs.Count
            || !inputs.All(i => i.Shape.Count > 0 && i.Shape[0] == -1 && i.Datatype != TensorDatatype.Bytes)
            || !outputs.All(o => o.Shape.Count > 0 && o.Shape[0] == -1 && o.Datatype != TensorDatatype.Bytes))
        {
            return false;
        }
        var rows = request.Inputs[0].Shape.Count > 0 ? request.Inputs[0].Shape[0] : 0;
        if (rows <= 0 || rows > maxRows)
        {
            return false;
        }
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var input = request.Inputs[i];
            if (input.Shape.Count == 0 || input.Shape[0] != rows || !TensorDatatypes.TryParse(input.Datatype, out var datatype)
                || datatype == TensorDatatype.Bytes || ByteCount(input.Shape, datatype.ElementSize()) != request.RawInputContents[i].Length)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The bytes a shape of fixed-size elements needs, or -1 when a dimension is negative or the product passes int.MaxValue.</summary>
    private static long ByteCount(IEnumerable<long> shape, int elementSize)
    {
        long bytes = elementSize;
        foreach (var dim in shape)
        {
            if (dim < 0 || (dim > 0 && bytes > int.MaxValue / dim))
            {
                return -1;
            }
            bytes *= dim;
        }
        return bytes;
    }

    /// <summary>Requests that can share a batch have the same version, inputs (name, datatype, shape past dimension 0) and outputs.</summary>
    public static string Key(ModelInferRequest request) =>
        request.ModelVersion + "|" + string.Join(";", request.Inputs.Select(i => $"{i.Name}:{i.Datatype}:{string.Join(",", i.Shape.Skip(1))}"))
        + "|" + string.Join(",", request.Outputs.Select(o => o.Name));

    public static ModelInferRequest Merge(IReadOnlyList<ModelInferRequest> requests)
    {
        var first = requests[0];
        var merged = new ModelInferRequest { ModelName = first.ModelName, ModelVersion = first.ModelVersion };
        merged.Outputs.AddRange(first.Outputs.Select(o => o.Clone()));
        for (var i = 0; i < first.Inputs.Count; i++)
        {
            var input = first.Inputs[i].Clone();
            // Each request has at most a batch's rows (CanBatch), so these sums stay small; checked all the same.
            input.Shape[0] = checked(requests.Sum(r => r.Inputs[i].Shape[0]));
            merged.Inputs.Add(input);
            var bytes = new byte[checked(requests.Sum(r => (long)r.RawInputContents[i].Length))];
            var offset = 0;
            foreach (var r in requests)
            {
                r.RawInputContents[i].Span.CopyTo(bytes.AsSpan(offset));
                offset += r.RawInputContents[i].Length;
            }
            merged.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(bytes));
        }
        return merged;
    }

    /// <summary>Splits a batched response; throws when an output is not batched along dimension 0.</summary>
    public static ModelInferResponse[] Split(ModelInferResponse batched, IReadOnlyList<ModelInferRequest> requests)
    {
        var rows = requests.Select(r => r.Inputs[0].Shape[0]).ToArray();
        var total = rows.Sum();
        var responses = requests.Select(r =>
        {
            var response = new ModelInferResponse { ModelName = batched.ModelName, ModelVersion = batched.ModelVersion, Id = r.Id };
            response.Parameters.Add(batched.Parameters);
            response.Parameters["edgeai.batch_size"] = new InferParameter { Int64Param = requests.Count };
            return response;
        }).ToArray();
        for (var o = 0; o < batched.Outputs.Count; o++)
        {
            var output = batched.Outputs[o];
            var raw = batched.RawOutputContents[o];
            if (output.Shape.Count == 0 || output.Shape[0] != total || raw.Length % total != 0)
            {
                throw new InvalidOperationException($"output '{output.Name}' is not batched along dimension 0 (shape [{string.Join(",", output.Shape)}], {total} rows in)");
            }
            var rowBytes = raw.Length / (int)total;
            var offset = 0;
            for (var r = 0; r < responses.Length; r++)
            {
                var part = output.Clone();
                part.Shape[0] = rows[r];
                responses[r].Outputs.Add(part);
                var length = rowBytes * (int)rows[r];
                responses[r].RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(raw.Memory.Slice(offset, length)));
                offset += length;
            }
        }
        return responses;
    }
}
