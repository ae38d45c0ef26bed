using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Sync;

namespace EdgeAi.Agent.Gpio;

/// <summary>GPIO in the reported state (<c>ReportedState.gpio</c>): the driver, and why it is off or disabled.</summary>
internal sealed class GpioReportSource(GpioService gpio) : IReportedStateSource
{
    public void AddTo(ReportedState reported)
    {
        ArgumentNullException.ThrowIfNull(reported);
        var status = gpio.Status;
        reported.Gpio = new GpioReport { Driver = status.Driver, State = status.State, Reason = status.Reason ?? "", PinCount = status.PinCount ?? 0 };
    }
}
