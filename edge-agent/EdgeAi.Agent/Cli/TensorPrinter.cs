using System.Globalization;
using System.Text;
using EdgeAi.Common.Inference;

namespace EdgeAi.Agent.Cli;

/// <summary>Prints an output tensor for people: small ones whole, large ones summarised, class scores ranked.</summary>
internal static class TensorPrinter
{
    public static string Format(string name, string datatypeName, IReadOnlyList<long> shape, ReadOnlySpan<byte> raw)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{name} {datatypeName} [{string.Join(",", shape)}]");
        if (!TensorDatatypes.TryParse(datatypeName, out var datatype))
        {
            return text.Append(" (unknown datatype)").ToString();
        }
        if (datatype == TensorDatatype.Bytes)
        {
            var strings = RawTensor.ToStrings(raw);
            return text.Append(": ").Append(string.Join(", ", strings.Take(10).Select(s => $"\"{s}\""))).Append(strings.Count > 10 ? ", …" : "").ToString();
        }
        var values = RawTensor.ToDoubles(datatype, raw);
        if (values.Length <= 16)
        {
            return text.Append(": ").Append(string.Join(", ", values.Select(Number))).ToString();
        }
        text.Append(CultureInfo.InvariantCulture, $": {values.Length} values, min {Number(values.Min())}, max {Number(values.Max())}, mean {Number(values.Average())}");
        text.Append("\n  first: ").Append(string.Join(", ", values.Take(8).Select(Number))).Append(", …");
        // A score vector (one row of classes): show the top classes the way people read classifiers.
        if (shape.Count(d => d > 1) == 1)
        {
            var top = values.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(5);
            text.Append("\n  top-5: ").Append(string.Join(", ", top.Select(p => $"#{p.i}={Number(p.v)}")));
        }
        return text.ToString();
    }

    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
