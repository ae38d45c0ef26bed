using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Serving.Runtime;

/// <summary>Request inputs turned into ONNX Runtime values, with the pins that keep request memory in place.</summary>
internal sealed class BoundInputs : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public List<string> Names { get; } = [];

    public List<OrtValue> Values { get; } = [];

    public void Add(string name, OrtValue value, IDisposable? pin = null)
    {
        Names.Add(name);
        Values.Add(value);
        _owned.Add(value);
        if (pin is not null)
        {
            _owned.Add(pin);
        }
    }

    public void Dispose()
    {
        // Values first, then the pins their memory relies on.
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
        _owned.Clear();
    }
}
