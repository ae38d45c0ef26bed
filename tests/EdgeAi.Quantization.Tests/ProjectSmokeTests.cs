using EdgeAi.Quantization;

namespace EdgeAi.Quantization.Tests;

public sealed class QuantizationOptionsTests
{
    [Fact]
    public void Defaults_LeaveTheFormToTheMachine()
    {
        var options = new QuantizationOptions();
        options.Activations.ShouldBeNull();
        options.ReduceRange.ShouldBeNull();
        options.PerChannel.ShouldBeTrue();
        options.Method.ShouldBe(CalibrationMethod.MinMax);
    }
}
