using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeAi.Bench.Latency;

/// <summary>(b) The agent's <see cref="ModelHost"/> in-process: request validation, binding, the run and the response, no transport.</summary>
internal sealed class ModelHostPath : ILatencyPath
{
    private readonly ModelHost _host;
    private readonly ModelInferRequest _request;

    public ModelHostPath(ResNet18 model, int threads)
    {
        var options = new ModelHostOptions { IntraOpThreads = threads, InterOpThreads = 1 };
        options.ExecutionProviders.Add("CPU");
        var wrapped = Options.Create(options);
        _host = new ModelHost(new SessionFactory(wrapped, NullLogger<SessionFactory>.Instance), wrapped, NullLogger<ModelHost>.Instance);
        var instance = _host.Load(ResNet18.ModelName, "1", model.Path);
        if (instance.State != ModelState.Ready)
        {
            _host.Dispose();
            throw new InvalidOperationException($"ModelHost could not load ResNet18: {instance.FailureReason}");
        }
        _request = model.RawRequest();
    }

    public string Label => "(b) agent ModelHost, in-process";

    public async ValueTask InferOnceAsync(CancellationToken cancellationToken) =>
        await _host.InferAsync(_request, cancellationToken).ConfigureAwait(false);

    public async ValueTask<float[]> InferAndReadAsync(CancellationToken cancellationToken)
    {
        var response = await _host.InferAsync(_request, cancellationToken).ConfigureAwait(false);
        return [.. RawTensor.ToDoubles(TensorDatatype.Fp32, response.RawOutputContents[0].Span).Select(v => (float)v)];
    }

    public ValueTask DisposeAsync()
    {
        _host.Dispose();
        return ValueTask.CompletedTask;
    }
}
