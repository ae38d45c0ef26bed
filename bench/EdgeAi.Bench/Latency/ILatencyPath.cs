namespace EdgeAi.Bench.Latency;

/// <summary>One way of running ResNet18 once: everything per-run is built up front, so a call measures only the inference path.</summary>
internal interface ILatencyPath : IAsyncDisposable
{
    /// <summary>Row label, e.g. "(a) ONNX Runtime, bare".</summary>
    string Label { get; }

    /// <summary>One inference, the way a client of this path makes it; outputs are released, not read.</summary>
    ValueTask InferOnceAsync(CancellationToken cancellationToken);

    /// <summary>One inference whose first output is returned, to check every path computes the same thing.</summary>
    ValueTask<float[]> InferAndReadAsync(CancellationToken cancellationToken);
}
