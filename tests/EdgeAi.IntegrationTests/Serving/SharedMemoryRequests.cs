using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EdgeAi.Common.Inference;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>
/// One inference request sent either way: as the gRPC message, or as the REST/JSON body Triton's HTTP clients send
/// for it (inputs in shared memory carry parameters and no data). Answers are folded to a status and a message.
/// </summary>
internal static class SharedMemoryRequests
{
    public const string Region = "shared_memory_region";
    public const string Offset = "shared_memory_offset";
    public const string ByteSize = "shared_memory_byte_size";

    /// <summary>An input of <paramref name="shape"/> FP32 in <paramref name="region"/>.</summary>
    public static ModelInferRequest.Types.InferInputTensor Input(string name, long[] shape, string region, long byteSize, long? offset = null)
    {
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = "FP32" };
        tensor.Shape.AddRange(shape);
        SetReference(tensor.Parameters, region, byteSize, offset);
        return tensor;
    }

    public static ModelInferRequest.Types.InferRequestedOutputTensor Output(string name, string region, long byteSize, long? offset = null)
    {
        var output = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = name };
        SetReference(output.Parameters, region, byteSize, offset);
        return output;
    }

    public static void SetReference(Google.Protobuf.Collections.MapField<string, InferParameter> parameters, string region, long byteSize, long? offset)
    {
        parameters[Region] = new InferParameter { StringParam = region };
        parameters[ByteSize] = new InferParameter { Int64Param = byteSize };
        if (offset is { } o)
        {
            parameters[Offset] = new InferParameter { Int64Param = o };
        }
    }

    /// <summary>The REST body for a request whose raw inputs are FP32 (one raw entry per input not in shared memory, in order).</summary>
    public static string Json(ModelInferRequest request)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("inputs");
            var raw = 0;
            foreach (var input in request.Inputs)
            {
                w.WriteStartObject();
                w.WriteString("name", input.Name);
                w.WriteString("datatype", input.Datatype);
                w.WriteStartArray("shape");
                foreach (var d in input.Shape)
                {
                    w.WriteNumberValue(d);
                }
                w.WriteEndArray();
                WriteParameters(w, input.Parameters);
                if (!(input.Parameters.ContainsKey(Region) || input.Parameters.ContainsKey(ByteSize)) || input.Contents is not null)
                {
                    w.WriteStartArray("data");
                    var values = input.Contents is { } c ? [.. c.Fp32Contents] : Requests.Fp32Values(request.RawInputContents[raw++].Span);
                    foreach (var v in values)
                    {
                        w.WriteNumberValue(v);
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (request.Outputs.Count > 0)
            {
                w.WriteStartArray("outputs");
                foreach (var output in request.Outputs)
                {
                    w.WriteStartObject();
                    w.WriteString("name", output.Name);
                    WriteParameters(w, output.Parameters);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The call's outcome: OK or the gRPC status, and the message (gRPC detail or REST 'error').</summary>
    public static async Task<(StatusCode Status, string Message, JsonDocument? Body)> InferAsync(
        AgentFixture agent, string transport, ModelInferRequest request, CancellationToken cancellationToken)
    {
        if (transport == "grpc")
        {
            try
            {
                await agent.Grpc.ModelInferAsync(request, cancellationToken: cancellationToken);
                return (StatusCode.OK, string.Empty, null);
            }
            catch (RpcException e)
            {
                return (e.StatusCode, e.Status.Detail, null);
            }
        }
        var (response, body) = await Requests.PostAsync(agent.Http, $"/v2/models/{request.ModelName}/infer", Json(request), cancellationToken);
        var message = body.RootElement.TryGetProperty("error", out var error) ? error.GetString() ?? string.Empty : string.Empty;
        return (FromHttp(response.StatusCode), message, body);
    }

    /// <summary>What our protocol maps each HTTP status from (InferenceException's two tables).</summary>
    public static StatusCode FromHttp(HttpStatusCode code) => code switch
    {
        HttpStatusCode.OK => StatusCode.OK,
        HttpStatusCode.BadRequest => StatusCode.InvalidArgument,
        HttpStatusCode.NotFound => StatusCode.NotFound,
        HttpStatusCode.Conflict => StatusCode.AlreadyExists,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.RequestEntityTooLarge => StatusCode.ResourceExhausted,
        _ => (StatusCode)(-(int)code),
    };

    private static void WriteParameters(Utf8JsonWriter w, Google.Protobuf.Collections.MapField<string, InferParameter> parameters)
    {
        if (parameters.Count == 0)
        {
            return;
        }
        w.WriteStartObject("parameters");
        foreach (var (key, value) in parameters)
        {
            if (value.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.StringParam)
            {
                w.WriteString(key, value.StringParam);
            }
            else
            {
                w.WriteNumber(key, value.Int64Param);
            }
        }
        w.WriteEndObject();
    }

    public static string Describe(long value) => value.ToString(CultureInfo.InvariantCulture);
}
