using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeAi.Common.Inference;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeAi.Agent.Cli;

/// <summary><c>edge-agent infer</c>: send one request to an agent (or any v2 server) over gRPC and print the answer.</summary>
internal static class InferCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model name." };
        var version = new Option<string?>("--version") { Description = "Model version (default: the server's choice, the newest ready one)." };
        var url = new Option<string>("--url")
        {
            Description = "gRPC address of the server: the agent's gRPC port (Agent:GrpcPort, 8001), not its REST port.",
            DefaultValueFactory = _ => "http://127.0.0.1:8001",
        };
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "Input file: NAME=PATH, or PATH for a single-input model. .npy, .json (nested array or {shape,data}) or raw little-endian bytes.",
            AllowMultipleArgumentsPerToken = false,
        };
        var shape = new Option<string?>("--shape") { Description = "Shape for generated or raw inputs, e.g. 1,3,224,224 (default: the model's, dynamic dimensions as 1; the shape used is printed)." };
        var generate = new Option<string>("--generate")
        {
            Description = "Values for inputs with no file: random, zeros or ones.",
            DefaultValueFactory = _ => "random",
        };
        generate.AcceptOnlyFromAmong("random", "zeros", "ones");
        var parameters = new Option<string[]>("--param", "-p") { Description = "Request parameter KEY=VALUE, e.g. edgeai.route=local." };
        var command = new Command("infer", "Send one inference request and print the result.") { model, version, url, inputs, shape, generate, parameters };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var channel = GrpcChannel.ForAddress(parse.GetRequiredValue(url));
            var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
            try
            {
                var request = await BuildRequestAsync(
                    client,
                    parse.GetRequiredValue(model),
                    parse.GetValue(version),
                    parse.GetValue(inputs) ?? [],
                    ParseShape(parse.GetValue(shape)),
                    parse.GetRequiredValue(generate),
                    Console.Error,
                    cancellationToken).ConfigureAwait(false);
                foreach (var p in parse.GetValue(parameters) ?? [])
                {
                    var (key, value) = SplitPair(p, "--param");
                    request.Parameters[key] = new InferParameter { StringParam = value };
                }
                Console.WriteLine(await InferAndFormatAsync(client, request, cancellationToken).ConfigureAwait(false));
                return 0;
            }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"edge-agent: {e.StatusCode}: {e.Status.Detail}");
                return 1;
            }
            catch (Exception e) when (e is FormatException or IOException or OverflowException or System.Text.Json.JsonException)
            {
                Console.Error.WriteLine($"edge-agent: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>Builds a request for every model input from files or generated values, using the model's metadata.</summary>
    public static async Task<ModelInferRequest> BuildRequestAsync(
        GRPCInferenceService.GRPCInferenceServiceClient client,
        string model,
        string? version,
        IReadOnlyList<string> files,
        long[]? shape,
        string generate,
        TextWriter notes,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notes);
        var metadata = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = model, Version = version ?? string.Empty }, cancellationToken: cancellationToken).ConfigureAwait(false);
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (file.Contains('=', StringComparison.Ordinal) && !File.Exists(file))
            {
                var (name, path) = SplitPair(file, "--input");
                byName[name] = path;
            }
            else if (metadata.Inputs.Count == 1)
            {
                byName[metadata.Inputs[0].Name] = file;
            }
            else
            {
                throw new FormatException($"model '{model}' has {metadata.Inputs.Count} inputs; name each file as NAME=PATH");
            }
        }

        var request = new ModelInferRequest { ModelName = model, ModelVersion = version ?? string.Empty };
        var random = new Random(42);
        foreach (var input in metadata.Inputs)
        {
            if (!TensorDatatypes.TryParse(input.Datatype, out var datatype))
            {
                throw new FormatException($"input '{input.Name}' has datatype {input.Datatype}, which this tool cannot produce");
            }
            var inputShape = shape ?? [.. input.Shape.Select(d => d < 0 ? 1 : d)];
            var hasFile = byName.TryGetValue(input.Name, out var path);
            if (!hasFile && shape is null && input.Shape.Any(d => d < 0))
            {
                // Not silent: the model leaves these dimensions open, and 1 is only our guess.
                await notes.WriteLineAsync(
                    $"input '{input.Name}': model shape [{string.Join(',', input.Shape)}], generated with [{string.Join(',', inputShape)}] (dynamic dimensions set to 1; choose with --shape)").ConfigureAwait(false);
            }
            var tensor = hasFile
                ? TensorFile.Read(path!, datatype, shape ?? (input.Shape.All(d => d >= 0) ? [.. input.Shape] : null))
                : Generate(datatype, inputShape, generate, random);
            var inferInput = new ModelInferRequest.Types.InferInputTensor { Name = input.Name, Datatype = tensor.Datatype.ToName() };
            inferInput.Shape.AddRange(tensor.Shape);
            request.Inputs.Add(inferInput);
            request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(tensor.Raw));
        }
        return request;
    }

    public static async Task<string> InferAndFormatAsync(GRPCInferenceService.GRPCInferenceServiceClient client, ModelInferRequest request, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var response = await client.ModelInferAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
        var elapsed = stopwatch.Elapsed.TotalMilliseconds;
        var fallback = response.Parameters.ContainsKey("edgeai.fallback_reason") ? ", fallback: " + Param(response, "edgeai.fallback_reason") : "";
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"{response.ModelName} v{response.ModelVersion} in {elapsed:0.0} ms"
                + $" (served by {Param(response, "edgeai.served_by")} on {Param(response, "edgeai.execution_provider")}{fallback})"),
        };
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            var output = response.Outputs[i];
            var raw = i < response.RawOutputContents.Count ? response.RawOutputContents[i].Span : ReadOnlySpan<byte>.Empty;
            lines.Add("  " + TensorPrinter.Format(output.Name, output.Datatype, output.Shape, raw).Replace("\n", "\n  ", StringComparison.Ordinal));
        }
        return string.Join(Environment.NewLine, lines);
    }

    private static string Param(ModelInferResponse response, string key) =>
        response.Parameters.TryGetValue(key, out var p) ? p.StringParam : "?";

    private static TensorData Generate(TensorDatatype datatype, long[] shape, string mode, Random random)
    {
        var count = shape.Aggregate(1L, (a, d) => checked(a * d));
        if (count > MaxGeneratedElements)
        {
            throw new FormatException($"shape [{string.Join(',', shape)}] has {count} elements; this tool generates at most {MaxGeneratedElements} (pass a smaller --shape or an --input file)");
        }
        if (datatype == TensorDatatype.Bytes)
        {
            return new TensorData(datatype, shape, RawTensor.FromStrings([.. Enumerable.Repeat("sample", (int)count)]));
        }
        var integral = datatype is not (TensorDatatype.Fp16 or TensorDatatype.Bf16 or TensorDatatype.Fp32 or TensorDatatype.Fp64);
        var values = Enumerable.Range(0, (int)count).Select(_ => mode switch
        {
            "zeros" => 0d,
            "ones" => 1d,
            _ when datatype == TensorDatatype.Bool => random.Next(2),
            _ when integral => random.Next(10),
            _ => random.NextDouble(),
        }).ToList();
        return new TensorData(datatype, shape, RawTensor.FromDoubles(datatype, values));
    }

    /// <summary>Generated inputs live in memory as doubles first: 16 M elements is 128 MB, past any sensible request.</summary>
    private const long MaxGeneratedElements = 16L * 1024 * 1024;

    private static long[]? ParseShape(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
            {
                throw new FormatException($"--shape '{text}': dimension {i} is '{parts[i]}'; give whole numbers of 0 or more separated by commas, e.g. 1,3,224,224");
            }
        }
        return shape;
    }

    private static (string Key, string Value) SplitPair(string text, string option)
    {
        var at = text.IndexOf('=', StringComparison.Ordinal);
        return at > 0 ? (text[..at], text[(at + 1)..]) : throw new FormatException($"{option} expects KEY=VALUE, got '{text}'");
    }
}
