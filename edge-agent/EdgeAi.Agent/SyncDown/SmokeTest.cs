using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.SyncDown;

/// <summary>
/// One inference on a freshly loaded version before it may serve: every input zeros (dynamic
/// dimensions 1), every floating-point output finite, and an answer within SmokeTestMaxLatency.
/// It catches models that load but cannot run here (a missing kernel, a provider that fails at
/// run time) and devices too slow for the model.
/// </summary>
internal sealed class SmokeTest
{
    private readonly ModelHost _host;
    private readonly FleetOptions _options;
    private readonly TimeProvider _time;

    public SmokeTest(ModelHost host, IOptions<FleetOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _host = host;
        _options = options.Value;
        _time = time;
    }

    /// <summary>Throws <see cref="DeploymentException"/> when the version must not serve; returns the latency otherwise.</summary>
    public async Task<TimeSpan> RunAsync(ModelInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var max = _options.SmokeTestMaxLatency;
        var request = Request(instance.Name, instance.Version, instance.Inputs);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(max);
        var started = _time.GetTimestamp();
        ModelInferResponse response;
        try
        {
            response = await _host.InferAsync(request, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or InferenceException { Error: InferenceError.Cancelled } && !cancellationToken.IsCancellationRequested)
        {
            throw new DeploymentException($"smoke test failed: the inference did not finish within Fleet:SmokeTestMaxLatency ({max})");
        }
        catch (InferenceException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeploymentException($"smoke test failed: {e.Message}", e);
        }
        var elapsed = _time.GetElapsedTime(started);
        if (elapsed > max)
        {
            throw new DeploymentException($"smoke test failed: the inference took {elapsed.TotalMilliseconds:0.###} ms, over Fleet:SmokeTestMaxLatency ({max})");
        }
        if (NonFinite(response) is { } output)
        {
            throw new DeploymentException($"smoke test failed: output '{output}' has NaN or infinite values for all-zero inputs");
        }
        return elapsed;
    }

    /// <summary>All-zero inputs for the model's input metadata, dynamic dimensions as 1, for exactly this version.</summary>
    public static ModelInferRequest Request(string name, string version, IReadOnlyList<TensorSpec> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var request = new ModelInferRequest { ModelName = name, ModelVersion = version, Id = "smoke-test" };
        foreach (var input in inputs)
        {
            var shape = input.Shape.Select(d => d < 0 ? 1 : d).ToArray();
            var elements = shape.Aggregate(1L, (product, d) => product * d);
            // BYTES elements are length-prefixed: four zero bytes are one empty string.
            var size = input.Datatype == TensorDatatype.Bytes ? 4 : input.Datatype.ElementSize();
            var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input.Name, Datatype = input.Datatype.ToName() };
            tensor.Shape.AddRange(shape);
            request.Inputs.Add(tensor);
            request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(new byte[checked(elements * size)]));
        }
        return request;
    }

    /// <summary>The name of the first floating-point output holding NaN or infinity, or null.</summary>
    public static string? NonFinite(ModelInferResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        for (var i = 0; i < response.Outputs.Count && i < response.RawOutputContents.Count; i++)
        {
            if (TensorDatatypes.TryParse(response.Outputs[i].Datatype, out var datatype)
                && datatype is TensorDatatype.Fp16 or TensorDatatype.Bf16 or TensorDatatype.Fp32 or TensorDatatype.Fp64
                && RawTensor.ToDoubles(datatype, response.RawOutputContents[i].Span).Any(v => !double.IsFinite(v)))
            {
                return response.Outputs[i].Name;
            }
        }
        return null;
    }
}
