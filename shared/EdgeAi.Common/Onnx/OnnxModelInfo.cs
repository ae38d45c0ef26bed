namespace EdgeAi.Common.Onnx;

/// <summary>What a model file says about itself, read without running it.</summary>
/// <param name="IrVersion">ONNX IR version the file was written with.</param>
/// <param name="Opsets">Operator set version per domain; "" is the default ai.onnx domain.</param>
/// <param name="ProducerName">The exporter, e.g. "pytorch"; empty if not stated.</param>
/// <param name="ProducerVersion">The exporter's version; empty if not stated.</param>
/// <param name="Inputs">Inputs a caller must feed, in graph order; weights listed as inputs are left out.</param>
/// <param name="Outputs">Outputs in graph order.</param>
/// <param name="SizeBytes">Size of the model file (or buffer) in bytes.</param>
/// <param name="HasExternalData">True when weights live in files beside the model, which must travel with it.</param>
public sealed record OnnxModelInfo(
    long IrVersion,
    IReadOnlyDictionary<string, long> Opsets,
    string ProducerName,
    string ProducerVersion,
    IReadOnlyList<OnnxTensorInfo> Inputs,
    IReadOnlyList<OnnxTensorInfo> Outputs,
    long SizeBytes,
    bool HasExternalData);
