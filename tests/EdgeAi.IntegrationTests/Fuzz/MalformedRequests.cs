using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Inference;
using Google.Protobuf;
using InputTensor = EdgeAi.Common.Inference.ModelInferRequest.Types.InferInputTensor;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>A model the fuzzer aims at: near-valid requests for it reach deeper than random bytes do.</summary>
internal sealed record FuzzModel(string Name, params FuzzInput[] Inputs);

/// <summary>One input of a <see cref="FuzzModel"/>; <paramref name="Last"/> is its last dimension when the model fixes it.</summary>
internal sealed record FuzzInput(string Name, string Datatype, int Rank, long? Last = null);

/// <summary>A raw gRPC request body (framed), with the grpc-encoding (and grpc-timeout) it claims, and what it is.</summary>
internal sealed record GrpcBody(byte[] Bytes, string? Encoding, string What, string? Timeout = null);

/// <summary>
/// Seeded generator of malformed requests for every protocol surface: Open Inference Protocol
/// messages with absurd shapes, datatypes, counts and parameters; broken gRPC framing and protobuf;
/// JSON that is invalid, deeply nested, mistyped or not UTF-8; names and numbers at their limits.
/// The same seed gives the same sequence.
/// </summary>
internal sealed class MalformedRequests(Random random)
{
    public static readonly long[] Dimensions =
    [
        0, 1, 2, 3, 4, 5, 7, 16, -1, -2, long.MinValue, long.MaxValue, long.MaxValue - 1, int.MaxValue, 1L << 31, 1L << 32,
        1L << 40, 1L << 60, 1L << 62, long.MinValue + 1, 3_037_000_500, 4_294_967_297,
    ];

    public static readonly string[] Datatypes =
        ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "BF16", "FP32", "FP64", "BYTES", "", "fp32", "FLOAT", "FP8", "STRING"];

    private static readonly string[] Junk =
    [
        "", " ", "a", "model", "..", "../../etc/passwd", "a/b", "a\\b", "%s%n%x", "\0", "ü", "😀", "\uFFFF", "名前", "-", "_", ".hidden",
        "CON", "null", "1", "9999999999999999999999", "a b", "\r\n", "<script>", "' OR 1=1 --",
    ];

    private static readonly string[] JsonNumbers =
    [
        "0", "-0", "1", "-1", "4", "1.5", "-1.5", "1e400", "-1e400", "1e308", "-1e308", "1e-400", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
        "4611686018427387904", "2147483648", "4294967296", "0.0000001", "5e-324", "1E2", "100000000000000000000e-10",
    ];

    public bool Chance(double p) => random.NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public int Next(int max) => random.Next(max);

    public string JunkString() => random.Next(10) switch
    {
        0 => new string('x', random.Next(200, 3000)),
        1 => RandomLetters(random.Next(1, 40)),
        _ => Pick(Junk),
    };

    // ---- Open Inference Protocol messages ----

    public ModelInferRequest InferRequest(IReadOnlyList<FuzzModel> models)
    {
        var model = Pick(models);
        var request = new ModelInferRequest { ModelName = Chance(0.85) ? model.Name : JunkString() };
        if (Chance(0.15))
        {
            request.ModelVersion = Pick(["1", "2", "0", "-1", "99999999999999999999", "latest", JunkString()]);
        }
        if (Chance(0.1))
        {
            request.Id = JunkString();
        }
        AddParameters(request.Parameters);

        var inputs = Chance(0.85) ? model.Inputs.ToList() : [.. model.Inputs.Where(_ => Chance(0.5))];
        if (Chance(0.1))
        {
            inputs.Add(Chance(0.5) && model.Inputs.Length > 0 ? model.Inputs[0] : new FuzzInput(JunkString(), Pick(Datatypes), random.Next(0, 4)));
        }
        var raw = Chance(0.7);
        foreach (var input in inputs)
        {
            var tensor = new InputTensor { Name = Chance(0.92) ? input.Name : JunkString(), Datatype = Chance(0.85) ? input.Datatype : Pick(Datatypes) };
            var rank = Chance(0.85) ? input.Rank : random.Next(0, 6);
            var nearValid = Chance(0.5);
            for (var d = 0; d < rank; d++)
            {
                tensor.Shape.Add(nearValid ? random.Next(0, 5) : Chance(0.5) ? Pick(Dimensions) : random.Next(0, 9));
            }
            if (input.Last is { } last && nearValid && rank == input.Rank && rank > 0)
            {
                // Past the protocol's checks: what is left to fail is the model itself (e.g. Add's broadcasting).
                tensor.Shape[rank - 1] = last;
            }
            if (Chance(0.1))
            {
                AddParameters(tensor.Parameters);
            }
            request.Inputs.Add(tensor);
            var exact = ExactBytes(tensor);
            if (raw || Chance(0.05))
            {
                request.RawInputContents.Add(ByteString.CopyFrom(exact is not null && Chance(0.7) ? exact : RandomBytes(random.Next(0, 64))));
            }
            if (!raw || Chance(0.05))
            {
                tensor.Contents = TypedContents(tensor, exact is not null && Chance(0.6));
            }
        }
        if (Chance(0.1))
        {
            request.RawInputContents.Add(ByteString.CopyFrom(RandomBytes(random.Next(0, 16))));
        }
        if (Chance(0.15))
        {
            foreach (var name in Enumerable.Range(0, random.Next(1, 3)).Select(_ => Pick(["probabilities", "output", "sum", "", JunkString()])))
            {
                var output = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = name };
                if (Chance(0.3))
                {
                    AddParameters(output.Parameters);
                }
                request.Outputs.Add(output);
            }
        }
        return request;
    }

    public void AddParameters(Google.Protobuf.Collections.MapField<string, InferParameter> parameters)
    {
        if (Chance(0.45))
        {
            parameters["edgeai.deadline_ms"] = DeadlineParameter();
        }
        if (Chance(0.3))
        {
            parameters["edgeai.route"] = Chance(0.7)
                ? new InferParameter { StringParam = Pick(["auto", "local", "cloud", "", "mars", "LOCAL", JunkString()]) }
                : RandomParameter();
        }
        if (Chance(0.1))
        {
            parameters[Chance(0.5) ? JunkString() : "edgeai." + JunkString()] = RandomParameter();
        }
    }

    public InferParameter DeadlineParameter() => random.Next(5) switch
    {
        0 => new InferParameter { Int64Param = Pick([long.MinValue, long.MaxValue, 0L, -1L, 1L, 5L, 50L, 1000L, 86_400_000L, 86_400_001L, int.MaxValue, -86_400_000L]) },
        1 => new InferParameter { Uint64Param = Pick([ulong.MaxValue, 0UL, 1UL, 50UL, (ulong)long.MaxValue + 1, 86_400_001UL]) },
        2 => new InferParameter
        {
            DoubleParam = Pick([double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e308, -1e308, 0.0, -0.0, 1e-300, 0.5, double.Epsilon, 1e15, 25.5, -3.5, double.MaxValue, double.MinValue]),
        },
        3 => new InferParameter { StringParam = Pick(["", "abc", "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "50", " 50 ", "0x10", "9223372036854775808", "1,5", "1e308", "-5", "0", "∞"]) },
        _ => new InferParameter { BoolParam = Chance(0.5) },
    };

    private InferParameter RandomParameter() => random.Next(5) switch
    {
        0 => new InferParameter { Int64Param = Pick(Dimensions) },
        1 => new InferParameter { Uint64Param = ulong.MaxValue },
        2 => new InferParameter { DoubleParam = Pick([double.NaN, 1e308, -0.0]) },
        3 => new InferParameter { StringParam = JunkString() },
        _ => new InferParameter(),
    };

    /// <summary>Bytes that fit the tensor's shape and datatype, when the shape is small enough to have some.</summary>
    private byte[]? ExactBytes(InputTensor tensor)
    {
        if (!TensorDatatypes.TryParse(tensor.Datatype, out var datatype) || tensor.Shape.Any(d => d < 0 || d > 64))
        {
            return null;
        }
        long count = 1;
        foreach (var d in tensor.Shape)
        {
            count *= d;
        }
        if (count > 256)
        {
            return null;
        }
        if (datatype == TensorDatatype.Bytes)
        {
            var bytes = new List<byte>();
            for (var i = 0; i < count; i++)
            {
                var element = RandomBytes(random.Next(0, 8));
                var length = new byte[4];
                // Now and then an element claims more (or far more) bytes than follow.
                BinaryPrimitives.WriteUInt32LittleEndian(length, Chance(0.1) ? Pick([uint.MaxValue, 0x7FFFFFFFu, (uint)element.Length + 1]) : (uint)element.Length);
                bytes.AddRange(length);
                bytes.AddRange(element);
            }
            return [.. bytes];
        }
        var raw = RandomBytes((int)count * datatype.ElementSize());
        if (datatype is TensorDatatype.Fp32 && Chance(0.8))
        {
            // Mostly ordinary numbers (random bytes are NaN and huge exponents too, which are also fine).
            for (var i = 0; i + 4 <= raw.Length; i += 4)
            {
                BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i), (float)((random.NextDouble() * 20) - 10));
            }
        }
        return raw;
    }

    private InferTensorContents TypedContents(InputTensor tensor, bool exactCount)
    {
        var contents = new InferTensorContents();
        var count = exactCount && tensor.Shape.All(d => d is >= 0 and <= 16) ? (int)tensor.Shape.Aggregate(1L, (a, d) => a * d) : random.Next(0, 12);
        var field = TensorDatatypes.TryParse(tensor.Datatype, out var datatype) && Chance(0.8) ? datatype : Pick(Enum.GetValues<TensorDatatype>());
        for (var i = 0; i < count; i++)
        {
            switch (field)
            {
                case TensorDatatype.Bool: contents.BoolContents.Add(Chance(0.5)); break;
                case TensorDatatype.Int8 or TensorDatatype.Int16 or TensorDatatype.Int32:
                    contents.IntContents.Add(Pick([0, 1, -1, 127, 128, -129, 32768, int.MaxValue, int.MinValue])); break;
                case TensorDatatype.Int64: contents.Int64Contents.Add(Pick(Dimensions)); break;
                case TensorDatatype.UInt8 or TensorDatatype.UInt16 or TensorDatatype.UInt32:
                    contents.UintContents.Add(Pick([0u, 1u, 255u, 256u, 65536u, uint.MaxValue])); break;
                case TensorDatatype.UInt64: contents.Uint64Contents.Add(Pick([0UL, ulong.MaxValue])); break;
                case TensorDatatype.Fp64: contents.Fp64Contents.Add(Pick([0.0, double.NaN, double.MaxValue, -1e308])); break;
                case TensorDatatype.Bytes: contents.BytesContents.Add(ByteString.CopyFrom(RandomBytes(random.Next(0, 10)))); break;
                default: contents.Fp32Contents.Add(Pick([0f, 1.5f, float.NaN, float.PositiveInfinity, float.MaxValue, -3f])); break;
            }
        }
        return contents;
    }

    // ---- raw gRPC bodies ----

    /// <summary>A framed body built from <paramref name="message"/> (a valid request) by one of many kinds of damage.</summary>
    public GrpcBody GrpcFrame(byte[] message)
    {
        switch (random.Next(16))
        {
            case 0:
                return new(Frame(Flip(message)), null, "flipped bytes");
            case 1:
                return new(Frame(message[..random.Next(0, message.Length + 1)]), null, "truncated message");
            case 2:
                return new(Frame(RandomBytes(random.Next(1, 300))), null, "random bytes");
            case 3:
                return new([.. Frame(message), .. RandomBytes(random.Next(1, 20))], null, "extra bytes after the frame");
            case 4:
                return new(Header(0, (uint)message.Length + (uint)random.Next(1, 1000)).Concat(message).ToArray(), null, "length prefix longer than the body");
            case 5:
                return new([.. Header(0, Pick([uint.MaxValue, 0x80000000u, 0x7FFFFFFFu, 64u << 20, (1u << 20) + 1])), .. message], null, "huge length prefix");
            case 6:
                return new([.. Header((byte)random.Next(2, 256), (uint)message.Length), .. message], null, "bad compressed flag");
            case 7:
                return new([.. Header(1, (uint)message.Length), .. message], null, "compressed flag without grpc-encoding");
            case 8:
                return new([.. Header(1, (uint)message.Length), .. message], "gzip", "gzip flag over bytes that are not gzip");
            case 9:
                var garbage = Gzip(Chance(0.5) ? Flip(message) : RandomBytes(random.Next(1, 200)));
                return new([.. Header(1, (uint)garbage.Length), .. garbage], "gzip", "gzip of damaged protobuf");
            case 10:
                return new([], null, "empty body");
            case 11:
                return new(Frame(message)[..random.Next(1, 5)], null, "partial frame header");
            case 12:
                return new([.. Frame(message), .. Frame(message)], null, "two messages for a unary call");
            case 13:
                return new(Frame(Deep(random.Next(100, 3000))), null, "deeply nested groups");
            case 14:
                return new(Frame(WrongWireTypes()), null, "known fields with wrong wire types");
            default:
                return new([.. Header(0, (uint)message.Length), .. message], Pick(["snappy", "identity", "deflate", "br"]), "unsupported or identity grpc-encoding");
        }
    }

    public static byte[] Frame(byte[] message) => [.. Header(0, (uint)message.Length), .. message];

    private static byte[] Header(byte flag, uint length)
    {
        var header = new byte[5];
        header[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), length);
        return header;
    }

    private byte[] Flip(byte[] message)
    {
        var copy = message.Length == 0 ? RandomBytes(8) : (byte[])message.Clone();
        for (var i = random.Next(1, 6); i > 0; i--)
        {
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        }
        return copy;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }
        return output.ToArray();
    }

    /// <summary>Unknown-field groups nested past protobuf's recursion limit.</summary>
    private static byte[] Deep(int depth)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < depth; i++)
        {
            bytes.AddRange([0xA3, 0x06]); // field 100, start group
        }
        for (var i = 0; i < depth; i++)
        {
            bytes.AddRange([0xA4, 0x06]); // field 100, end group
        }
        return [.. bytes];
    }

    /// <summary>Known field numbers with the wrong wire type, overlong varints, lengths past the end.</summary>
    private byte[] WrongWireTypes() => random.Next(4) switch
    {
        0 => [0x08, 0x01],                                               // field 1 (a string) as a varint
        1 => [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x61],                  // field 1 claims 4 GiB
        2 => [0x2A, 0x05, 0x1A, 0x03, 0xFF, 0xFF, 0xFF],                  // an input whose shape varint never ends
        _ => [0x2A, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // an 11-byte varint length
    };

    // ---- fleet messages ----

    public EnrollRequest EnrollRequest() => new()
    {
        Token = random.Next(6) switch
        {
            0 => "",
            1 => RandomLetters(8) + "." + RandomLetters(32),
            2 => ".",
            3 => new string('a', random.Next(100, 5000)) + "." + new string('b', 10),
            4 => RandomLetters(8) + "..",
            _ => JunkString(),
        },
        RequestedDeviceId = Chance(0.5) ? JunkString() : "",
        Hostname = Chance(0.5) ? JunkString() : "",
        AgentVersion = Chance(0.3) ? JunkString() : "",
    };

    public DownloadModelRequest DownloadRequest(IReadOnlyList<string> names) => new()
    {
        Name = Chance(0.6) ? Pick(names) : JunkString(),
        Version = Chance(0.6) ? Pick(["1", "2", "0"]) : JunkString(),
        Offset = Chance(0.3) ? 0 : Pick(Dimensions),
    };

    // ---- REST / JSON ----

    /// <summary>An inference body for <paramref name="model"/>: valid JSON with broken content, or bytes that are not valid JSON or UTF-8.</summary>
    public (byte[] Body, string What) JsonBody(FuzzModel model)
    {
        var raws = new List<string>();
        var root = ValidJson(model);
        var what = MutateJson(root, raws);
        var text = root?.ToJsonString() ?? "null";
        for (var i = 0; i < raws.Count; i++)
        {
            text = text.Replace($"\"@@RAW{i}@@\"", raws[i], StringComparison.Ordinal);
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        if (Chance(0.3))
        {
            (bytes, var damage) = DamageBytes(bytes);
            what += "; " + damage;
        }
        return (bytes, what);
    }

    private JsonObject ValidJson(FuzzModel model)
    {
        var inputs = new JsonArray();
        foreach (var input in model.Inputs)
        {
            var shape = new JsonArray();
            long count = 1;
            for (var d = 0; d < input.Rank; d++)
            {
                var dim = input.Last is { } last && d == input.Rank - 1 ? last : random.Next(1, 4);
                shape.Add(dim);
                count *= dim;
            }
            var data = new JsonArray();
            for (var i = 0; i < count; i++)
            {
                data.Add(input.Datatype == "BYTES" ? JsonValue.Create(RandomLetters(random.Next(0, 6))) : JsonValue.Create(Math.Round((random.NextDouble() * 10) - 5, 2)));
            }
            inputs.Add(new JsonObject { ["name"] = input.Name, ["datatype"] = input.Datatype, ["shape"] = shape, ["data"] = data });
        }
        return new JsonObject { ["inputs"] = inputs };
    }

    private string MutateJson(JsonObject root, List<string> raws)
    {
        string Raw(string token)
        {
            raws.Add(token);
            return $"@@RAW{raws.Count - 1}@@";
        }
        var inputs = (JsonArray)root["inputs"]!;
        var input = inputs.Count > 0 ? (JsonObject)inputs[random.Next(inputs.Count)]! : null;
        switch (random.Next(14))
        {
            case 0 when input is not null:
                var shape = new JsonArray();
                for (var i = random.Next(0, 5); i > 0; i--)
                {
                    shape.Add(Chance(0.7) ? Raw(Pick(JsonNumbers)) : Pick<JsonNode?>([JsonValue.Create("4"), null, new JsonArray(), JsonValue.Create(true)]));
                }
                input["shape"] = shape;
                return $"shape {shape.ToJsonString()}";
            case 1 when input is not null:
                var data = new JsonArray();
                for (var i = random.Next(0, 8); i > 0; i--)
                {
                    data.Add(random.Next(5) switch
                    {
                        0 => Raw(Pick(JsonNumbers)),
                        1 => JsonValue.Create(JunkString()),
                        2 => null,
                        3 => new JsonObject { ["x"] = 1 },
                        _ => JsonValue.Create(Chance(0.5)),
                    });
                }
                input["data"] = data;
                return "data of wrong types or sizes";
            case 2 when input is not null:
                var depth = random.Next(50, 3000);
                input["data"] = Raw(new string('[', depth) + "1" + new string(']', depth));
                return $"data nested {depth} deep";
            case 3 when input is not null:
                input["datatype"] = Chance(0.8) ? Pick(Datatypes) : Raw(Pick(["1", "null", "[]", "{}"]));
                return $"datatype {input["datatype"]?.ToJsonString()}";
            case 4 when input is not null:
                var property = Pick(["name", "shape", "datatype", "data"]);
                if (Chance(0.5))
                {
                    input.Remove(property);
                    return $"no {property}";
                }
                input[property] = Raw(Pick(["null", "1e400", "{}", "[]", "\"\"", "true", "-1"]));
                return $"{property} of the wrong type";
            case 5:
                var parameters = new JsonObject();
                root["parameters"] = parameters;
                parameters["edgeai.deadline_ms"] = Raw(Pick([.. JsonNumbers, "\"abc\"", "\"1e400\"", "\"NaN\"", "true", "null", "{}", "[]", "\"\""]));
                if (Chance(0.3))
                {
                    parameters["edgeai.route"] = Raw(Pick(["\"cloud\"", "\"local\"", "\"mars\"", "1", "null"]));
                }
                return $"parameters {parameters.ToJsonString()}";
            case 6:
                root["parameters"] = Raw(Pick(["[]", "1", "\"x\"", "null", "{\"a\":{\"b\":1}}", "{\"a\":[1]}", "{\"edgeai.deadline_ms\":1e400}"]));
                return "parameters of the wrong shape";
            case 7:
                root["id"] = Raw(Pick(["1", "null", "{}", "[\"a\"]", "1e400"]));
                return "id not a string";
            case 8:
                root["outputs"] = Raw(Pick(["{}", "[1]", "[{}]", "[{\"name\":1}]", "[{\"name\":\"x\",\"parameters\":[]}]", "\"probabilities\""]));
                return "bad outputs";
            case 9:
                root["inputs"] = Raw(Pick(["{}", "null", "[]", "[1]", "[null]", "\"x\"", "[[]]"]));
                return "inputs not an array of objects";
            case 10 when input is not null && Chance(0.5):
                inputs.Add(input.DeepClone());
                return "an input given twice";
            case 11:
                root.Clear();
                root["inputs"] = Raw(Pick(["1", "[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[4,4611686018427387904],\"data\":[1]}]",
                    "[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[16,1152921504606846976],\"data\":[]}]",
                    "[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[2147483648,2147483648],\"data\":[]}]",
                    "[{\"name\":\"input\",\"datatype\":\"BYTES\",\"shape\":[9223372036854775807],\"data\":[\"a\"]}]"]));
                return "overflowing shape";
            case 12:
                return "valid";
            default:
                if (input is not null)
                {
                    input[JunkString()] = Raw(Pick(JsonNumbers));
                }
                return "unknown members";
        }
    }

    /// <summary>Byte-level damage: invalid UTF-8 inside a string, truncation, stray bytes, a BOM, UTF-16.</summary>
    private (byte[] Bytes, string What) DamageBytes(byte[] bytes)
    {
        byte[][] invalidUtf8 = [[0xFF], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80]];
        switch (random.Next(6))
        {
            case 0:
            case 1:
                var quotes = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] == (byte)'"').ToList();
                var at = quotes.Count > 0 ? Pick(quotes) + 1 : 0;
                var bad = Pick(invalidUtf8);
                return ([.. bytes[..at], .. bad, .. bytes[at..]], $"invalid UTF-8 {Convert.ToHexString(bad)} at byte {at}");
            case 2:
                return (bytes[..random.Next(0, bytes.Length)], "truncated");
            case 3:
                return (Flip(bytes), "flipped bytes");
            case 4:
                return ([0xEF, 0xBB, 0xBF, .. bytes], "UTF-8 byte-order mark");
            default:
                return (Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(bytes)), "UTF-16");
        }
    }

    /// <summary>A path segment: a real name, junk, or percent-encoding that is not UTF-8.</summary>
    public string PathSegment(IReadOnlyList<string> names) => random.Next(8) switch
    {
        0 or 1 or 2 => Pick(names),
        3 => Pick(["%FF", "%C0%AF", "%00", "a%2Fb", "%E2%82", "%ED%A0%80", "%25", "%", "%zz"]),
        4 => new string('m', random.Next(300, 8000)),
        5 => Uri.EscapeDataString(JunkString()),
        _ => RandomLetters(random.Next(1, 20)),
    };

    public string QueryValue() => random.Next(4) switch
    {
        0 => Pick(JsonNumbers),
        1 => Uri.EscapeDataString(JunkString()),
        2 => Pick(["%FF", "%00", "", "2024-13-45T99:99:99Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "-62135596800001"]),
        _ => random.Next(-5, 20000).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// A chunked HTTP/1.1 body with chunk sizes and framing a parser may trip over. Incomplete: the body
    /// ends before its framing says it does (the connection is then shut), so no answer is also fair.
    /// </summary>
    public (string Framing, byte[] Body, bool Incomplete) Chunked(byte[] json) => random.Next(12) switch
    {
        0 => ("chunk size FFFFFFFFFFFFFFFF", Ascii("FFFFFFFFFFFFFFFF\r\n", json, "\r\n0\r\n\r\n"), false),
        1 => ("chunk size 7FFFFFFFFFFFFFFF", Ascii("7FFFFFFFFFFFFFFF\r\n", json, "\r\n0\r\n\r\n"), false),
        2 => ("chunk size 10000000000000000", Ascii("10000000000000000\r\n", json, "\r\n0\r\n\r\n"), false),
        3 => ("chunk size -1", Ascii("-1\r\n", json, "\r\n0\r\n\r\n"), false),
        4 => ("chunk size zz", Ascii("zz\r\n", json, "\r\n0\r\n\r\n"), false),
        5 => ("chunk size 0x10", Ascii("0x10\r\n", json, "\r\n0\r\n\r\n"), false),
        6 => ("chunk size smaller than its data", Ascii($"{Math.Max(1, json.Length / 2):X}\r\n", json, "\r\n0\r\n\r\n"), false),
        7 => ("chunk size larger than its data", Ascii($"{json.Length + 10:X}\r\n", json, "\r\n0\r\n\r\n"), true),
        8 => ("chunk extension garbage", Ascii($"{json.Length:X};{new string('e', random.Next(10, 5000))}\r\n", json, "\r\n0\r\n\r\n"), false),
        9 => ("missing final chunk", Ascii($"{json.Length:X}\r\n", json, "\r\n"), true),
        10 => ("no CRLF after the data", Ascii($"{json.Length:X}\r\n", json, "0\r\n\r\n"), false),
        _ => ("leading zeros", Ascii($"0000000000000000000000{json.Length:X}\r\n", json, "\r\n0\r\n\r\n"), false),
    };

    private static byte[] Ascii(string before, byte[] middle, string after) => [.. Encoding.ASCII.GetBytes(before), .. middle, .. Encoding.ASCII.GetBytes(after)];

    public byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private string RandomLetters(int length) =>
        string.Create(length, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + r.Next(26));
            }
        });
}
