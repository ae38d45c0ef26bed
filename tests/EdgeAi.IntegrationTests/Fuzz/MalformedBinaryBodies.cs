using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>A binary tensor data body and the Inference-Header-Content-Length it claims (null: no header), with what was damaged.</summary>
internal sealed record BinaryBody(byte[] Bytes, string? HeaderLength, string What);

/// <summary>
/// Seeded bodies in the binary tensor data framing: a JSON request whose inputs give binary_data_size, then
/// their bytes. Each body damages the framing some ways: header lengths that are junk, negative, past the
/// body or cutting the JSON; sizes that are wrong, negative, fractional or strings; bytes truncated or extra;
/// BYTES length prefixes past the end; binary_data flags that are not booleans; data beside a size.
/// </summary>
internal sealed class MalformedBinaryBodies(MalformedRequests fuzz)
{
    private static readonly string[] Sizes = ["-1", "1.5", "\"16\"", "null", "true", "1e30", "9223372036854775807", "9223372036854775808", "[]"];

    private static readonly string[] Flags = ["true", "false", "1", "0", "\"true\"", "null", "{}"];

    private static readonly string[] HeaderValues = ["", "-1", "+5", " 7", "0x10", "1e3", "abc", "99999999999999999999", "2147483648", "0"];

    public BinaryBody Body(FuzzModel model)
    {
        var damage = new List<string>();
        var json = new StringBuilder("{\"inputs\":[");
        var binary = new List<byte>();
        for (var i = 0; i < model.Inputs.Length; i++)
        {
            var input = model.Inputs[i];
            var shape = Shape(input);
            var bytes = Tensor(input, shape, damage);
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{{\"name\":\"{input.Name}\",\"datatype\":\"{input.Datatype}\",\"shape\":[{string.Join(",", shape)}]");
            var size = bytes.Length.ToString(CultureInfo.InvariantCulture);
            if (fuzz.Chance(0.15))
            {
                size = fuzz.Chance(0.5) ? fuzz.Pick(Sizes) : (bytes.Length + fuzz.Next(9) - 4).ToString(CultureInfo.InvariantCulture);
                damage.Add($"size {size}");
            }
            if (fuzz.Chance(0.1))
            {
                json.Append(",\"data\":[1]");
                damage.Add("data too");
            }
            if (fuzz.Chance(0.9))
            {
                json.Append(CultureInfo.InvariantCulture, $",\"parameters\":{{\"binary_data_size\":{size}}}");
            }
            json.Append('}');
            binary.AddRange(bytes);
        }
        json.Append(']');
        if (fuzz.Chance(0.5))
        {
            json.Append(",\"parameters\":{\"binary_data_output\":").Append(Flag(damage)).Append('}');
        }
        if (fuzz.Chance(0.3))
        {
            json.Append(",\"outputs\":[{\"name\":\"").Append(fuzz.Chance(0.8) ? "output" : "probabilities").Append("\",\"parameters\":{\"binary_data\":").Append(Flag(damage)).Append("}}]");
        }
        json.Append('}');
        var header = Encoding.UTF8.GetBytes(json.ToString());
        var tail = binary.ToArray();
        switch (fuzz.Next(8))
        {
            case 0: tail = tail[..fuzz.Next(tail.Length + 1)]; damage.Add("binary truncated"); break;
            case 1: tail = [.. tail, .. fuzz.RandomBytes(1 + fuzz.Next(16))]; damage.Add("extra bytes"); break;
            default: break;
        }
        var body = (byte[])[.. header, .. tail];
        var headerLength = fuzz.Next(10) switch
        {
            0 => Claim(fuzz.Pick(HeaderValues), damage),
            1 => Claim((body.Length + 1 + fuzz.Next(1000)).ToString(CultureInfo.InvariantCulture), damage),
            2 => Claim(fuzz.Next(header.Length).ToString(CultureInfo.InvariantCulture), damage),
            3 => Claim(null, damage),
            _ => header.Length.ToString(CultureInfo.InvariantCulture),
        };
        return new BinaryBody(body, headerLength, damage.Count == 0 ? "well-formed" : string.Join("; ", damage));
    }

    private static string? Claim(string? value, List<string> damage)
    {
        damage.Add(value is null ? "no header" : $"header '{value}'");
        return value;
    }

    private string Flag(List<string> damage)
    {
        var flag = fuzz.Pick(Flags);
        if (flag is not ("true" or "false"))
        {
            damage.Add($"flag {flag}");
        }
        return flag;
    }

    private long[] Shape(FuzzInput input)
    {
        var shape = new long[input.Rank];
        for (var d = 0; d < shape.Length; d++)
        {
            shape[d] = fuzz.Chance(0.05) ? fuzz.Pick(MalformedRequests.Dimensions) : 1 + fuzz.Next(3);
        }
        if (input.Last is long last && shape.Length > 0 && fuzz.Chance(0.9))
        {
            shape[^1] = last;
        }
        return shape;
    }

    /// <summary>The tensor's bytes for a sane shape (random for absurd ones); BYTES elements length-prefixed, sometimes claiming more than follows.</summary>
    private byte[] Tensor(FuzzInput input, long[] shape, List<string> damage)
    {
        var count = shape.Aggregate(1L, (a, d) => d is >= 0 and <= 64 ? a * d : -1);
        if (count is < 0 or > 4096)
        {
            damage.Add("absurd shape");
            return fuzz.RandomBytes(fuzz.Next(64));
        }
        if (input.Datatype != "BYTES")
        {
            return fuzz.RandomBytes((int)count * 4);
        }
        var bytes = new List<byte>();
        for (var i = 0; i < count; i++)
        {
            var element = fuzz.RandomBytes(fuzz.Next(6));
            var claimed = fuzz.Chance(0.1) ? (uint)(element.Length + 1 + fuzz.Next(1 << 20)) : (uint)element.Length;
            if (claimed != element.Length)
            {
                damage.Add($"BYTES element {i} claims {claimed}");
            }
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(prefix, claimed);
            bytes.AddRange(prefix);
            bytes.AddRange(element);
        }
        return [.. bytes];
    }
}
