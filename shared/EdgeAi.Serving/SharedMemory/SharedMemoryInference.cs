using EdgeAi.Common.Inference;
using Google.Protobuf;

namespace EdgeAi.Serving.SharedMemory;

/// <summary>
/// Resolves a request's shared-memory references at the protocol layer, before the backend sees it: each input
/// naming a region becomes a raw_input_contents entry that wraps the mapped memory itself (the input binder pins
/// it and hands ONNX Runtime the region, no copy); each output naming one is written into it after the backend
/// answers and is answered with its shared-memory parameters and no data. The regions are leased until then, so
/// unregistering one meanwhile does not unmap it under the request.
/// </summary>
public static class SharedMemoryInference
{
    public static async Task<ModelInferResponse> InferAsync(
        IInferenceBackend backend, SharedMemoryRegistry? registry, ModelInferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(request);
        if (!Uses(request))
        {
            return await backend.InferAsync(request, cancellationToken).ConfigureAwait(false);
        }
        if (registry is null)
        {
            throw InferenceException.Invalid(
                "this request names shared-memory regions, but this server does not offer the system_shared_memory extension (the agent does, to apps on its device); send the tensors' data instead");
        }
        var leases = new List<SharedMemoryRegion>();
        try
        {
            ResolveInputs(registry, request, leases);
            var outputs = ReserveOutputs(registry, request, leases);
            var response = await backend.InferAsync(request, cancellationToken).ConfigureAwait(false);
            foreach (var output in outputs)
            {
                Write(output, response);
            }
            return response;
        }
        finally
        {
            foreach (var region in leases)
            {
                region.Release();
            }
        }
    }

    private static bool Uses(ModelInferRequest request)
    {
        foreach (var input in request.Inputs)
        {
            if (SharedMemoryParameters.Any(input.Parameters))
            {
                return true;
            }
        }
        foreach (var output in request.Outputs)
        {
            if (SharedMemoryParameters.Any(output.Parameters))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// raw_input_contents holds one entry per input NOT in shared memory, in order (as Triton reads it); this makes it
    /// one per input, the region's bytes in place of each reference.
    /// </summary>
    private static void ResolveInputs(SharedMemoryRegistry registry, ModelInferRequest request, List<SharedMemoryRegion> leases)
    {
        var raw = request.RawInputContents;
        var resolved = new List<ByteString>(request.Inputs.Count);
        var next = 0;
        foreach (var input in request.Inputs)
        {
            var what = $"input '{input.Name}'";
            var reference = SharedMemoryParameters.Read(input.Parameters, what);
            if (reference is not { } r)
            {
                if (HasTypedContents(input.Contents))
                {
                    throw InferenceException.Invalid(
                        $"{what} has typed contents while other inputs of this request are in shared memory; send it in raw_input_contents or shared memory");
                }
                resolved.Add(next < raw.Count
                    ? raw[next++]
                    : throw InferenceException.Invalid(
                        $"{what} has no data: neither shared-memory parameters nor a raw_input_contents entry (raw_input_contents holds one entry per input not in shared memory, in order)"));
                continue;
            }
            if (HasTypedContents(input.Contents))
            {
                throw InferenceException.Invalid($"{what} has both data (contents) and {SharedMemoryParameters.Region} '{r.Region}'; send one");
            }
            CheckSize(input, r, what);
            var region = Lease(registry, r, leases, what, write: false);
            resolved.Add(UnsafeByteOperations.UnsafeWrap(region.Slice(r.Offset, (int)r.ByteSize)));
            SharedMemoryParameters.Remove(input.Parameters);
        }
        if (next != raw.Count)
        {
            throw InferenceException.Invalid(
                $"raw_input_contents has {raw.Count} entries for {next} inputs not in shared memory; send one per input not in shared memory, in order");
        }
        raw.Clear();
        raw.AddRange(resolved);
    }

    private static List<(string Name, SharedMemoryReference Reference, SharedMemoryRegion Region)> ReserveOutputs(
        SharedMemoryRegistry registry, ModelInferRequest request, List<SharedMemoryRegion> leases)
    {
        var outputs = new List<(string, SharedMemoryReference, SharedMemoryRegion)>();
        foreach (var output in request.Outputs)
        {
            var what = $"output '{output.Name}'";
            if (SharedMemoryParameters.Read(output.Parameters, what) is { } r)
            {
                outputs.Add((output.Name, r, Lease(registry, r, leases, what, write: true)));
                SharedMemoryParameters.Remove(output.Parameters);
            }
        }
        return outputs;
    }

    /// <summary>Leases the region and checks the reference against it and the object as it is now.</summary>
    private static SharedMemoryRegion Lease(SharedMemoryRegistry registry, SharedMemoryReference r, List<SharedMemoryRegion> leases, string what, bool write)
    {
        var region = registry.Acquire(r.Region);
        leases.Add(region);
        if (r.Offset >= region.ByteSize)
        {
            throw InferenceException.Invalid(
                $"{what}: {SharedMemoryParameters.Offset} {r.Offset} is past the end of region '{r.Region}' ({region.ByteSize} bytes)");
        }
        if (r.ByteSize > region.ByteSize - r.Offset)
        {
            throw InferenceException.Invalid(
                $"{what}: region '{r.Region}' is too small: it holds {region.ByteSize} bytes, {SharedMemoryParameters.Offset} {r.Offset} + {SharedMemoryParameters.ByteSize} {r.ByteSize} = {r.Offset + r.ByteSize}");
        }
        if (r.ByteSize > int.MaxValue)
        {
            throw new InferenceException(InferenceError.ResourceExhausted, $"{what}: {SharedMemoryParameters.ByteSize} {r.ByteSize} is over the 2 GiB a tensor may hold");
        }
        if (write && !region.Writable)
        {
            throw new InferenceException(InferenceError.PermissionDenied,
                $"{what}: region '{r.Region}' was registered read-only (the agent could not open {region.Path} for writing); give the agent write access and register it again");
        }
        CheckStillThere(region, r, what, write);
        return region;
    }

    /// <summary>
    /// Touching a mapping past the end of its (truncated) file raises SIGBUS, which would kill the process: so the
    /// object's size is checked before every use. A truncation between this check and the use is not caught.
    /// </summary>
    private static void CheckStillThere(SharedMemoryRegion region, SharedMemoryReference r, string what, bool write)
    {
        var status = region.CurrentStatus();
        var end = region.Offset + r.Offset + r.ByteSize;
        if (status.Size < end)
        {
            throw InferenceException.Invalid(
                $"{what}: {region.Key} was truncated after region '{r.Region}' was registered: it is now {status.Size} bytes, this tensor needs bytes up to {end}; re-create the object and register the region again");
        }
        var (uid, gid, groups) = PosixFiles.Identity();
        if (SharedMemoryAccess.Refusal(status, region.Path, uid, gid, groups, write) is { } refusal)
        {
            throw new InferenceException(InferenceError.PermissionDenied, $"{what}: region '{r.Region}': {refusal}");
        }
    }

    private static void CheckSize(ModelInferRequest.Types.InferInputTensor input, SharedMemoryReference r, string what)
    {
        if (!TensorDatatypes.TryParse(input.Datatype, out var datatype) || datatype == TensorDatatype.Bytes || input.Shape.Any(d => d < 0))
        {
            return; // the input binder names these
        }
        long expected;
        try
        {
            expected = input.Shape.Aggregate((long)datatype.ElementSize(), (total, d) => checked(total * d));
        }
        catch (OverflowException)
        {
            throw InferenceException.Invalid($"{what}: shape [{string.Join(",", input.Shape)}] of {input.Datatype} is more bytes than a 64-bit count holds");
        }
        if (expected != r.ByteSize)
        {
            throw InferenceException.Invalid(
                $"{what}: {SharedMemoryParameters.ByteSize} {r.ByteSize} does not match shape [{string.Join(",", input.Shape)}] of {input.Datatype}, which is {expected} bytes");
        }
    }

    private static void Write((string Name, SharedMemoryReference Reference, SharedMemoryRegion Region) target, ModelInferResponse response)
    {
        var (name, r, region) = target;
        var index = -1;
        for (var i = 0; i < response.Outputs.Count && index < 0; i++)
        {
            index = response.Outputs[i].Name == name ? i : -1;
        }
        if (index < 0 || index >= response.RawOutputContents.Count)
        {
            throw InferenceException.Invalid($"output '{name}' was requested in shared memory region '{r.Region}', but the model's answer has no raw output '{name}'");
        }
        var bytes = response.RawOutputContents[index];
        var output = response.Outputs[index];
        if (bytes.Length > r.ByteSize)
        {
            throw InferenceException.Invalid(
                $"output '{name}' is {bytes.Length} bytes (shape [{string.Join(",", output.Shape)}] of {output.Datatype}), but its {SharedMemoryParameters.ByteSize} in region '{r.Region}' is {r.ByteSize}; give at least {bytes.Length}");
        }
        CheckStillThere(region, r with { ByteSize = bytes.Length }, $"output '{name}'", write: true);
        bytes.Span.CopyTo(region.Slice(r.Offset, bytes.Length).Span);
        response.RawOutputContents[index] = ByteString.Empty;
        output.Parameters[SharedMemoryParameters.Region] = new InferParameter { StringParam = r.Region };
        output.Parameters[SharedMemoryParameters.ByteSize] = new InferParameter { Int64Param = bytes.Length };
        if (r.Offset > 0)
        {
            output.Parameters[SharedMemoryParameters.Offset] = new InferParameter { Int64Param = r.Offset };
        }
    }

    private static bool HasTypedContents(InferTensorContents? c) =>
        c is not null && (c.BoolContents.Count + c.IntContents.Count + c.Int64Contents.Count + c.UintContents.Count
            + c.Uint64Contents.Count + c.Fp32Contents.Count + c.Fp64Contents.Count + c.BytesContents.Count) > 0;
}
