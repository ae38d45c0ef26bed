using EdgeAi.Agent.Cloud;
using Grpc.Core;
using Polly.Timeout;

namespace EdgeAi.Agent.Tests.Cloud;

/// <summary>What the hub circuit breaker counts: the hub being unwell, never an answer a caller's input can cause.</summary>
public sealed class HubOutcomesTests
{
    [Theory]
    [InlineData(StatusCode.Unavailable, false, true)]
    [InlineData(StatusCode.ResourceExhausted, true, true)]    // overload: the hub sends server pushback
    [InlineData(StatusCode.ResourceExhausted, false, false)]  // a message or tensor over a size limit
    [InlineData(StatusCode.InvalidArgument, false, false)]
    [InlineData(StatusCode.NotFound, false, false)]
    [InlineData(StatusCode.OutOfRange, false, false)]
    [InlineData(StatusCode.FailedPrecondition, false, false)]
    [InlineData(StatusCode.DeadlineExceeded, false, false)]   // the caller's own budget ran out
    [InlineData(StatusCode.Cancelled, false, false)]
    [InlineData(StatusCode.Unauthenticated, false, false)]    // this device's key, not the hub's health
    [InlineData(StatusCode.PermissionDenied, false, false)]
    [InlineData(StatusCode.Internal, false, false)]           // a prompt answer: nobody waits on the hub
    [InlineData(StatusCode.Unknown, false, false)]
    [InlineData(StatusCode.DataLoss, false, false)]
    [InlineData(StatusCode.Aborted, false, false)]
    [InlineData(StatusCode.Unimplemented, false, false)]
    public void IsHubUnwell_GrpcStatus_CountsOnlyHubTrouble(StatusCode code, bool pushback, bool counted)
    {
        var trailers = new Metadata();
        if (pushback)
        {
            trailers.Add(HubOutcomes.PushbackTrailer, "100");
        }

        HubOutcomes.IsHubUnwell(new RpcException(new Status(code, "detail"), trailers)).ShouldBe(counted);
    }

    [Fact]
    public void IsHubUnwell_AttemptTimedOut_Counts() =>
        HubOutcomes.IsHubUnwell(new TimeoutRejectedException()).ShouldBeTrue();

    [Fact]
    public void IsHubUnwell_CallerCancelled_DoesNotCount() =>
        HubOutcomes.IsHubUnwell(new OperationCanceledException()).ShouldBeFalse();

    [Theory]
    [InlineData(StatusCode.Unavailable, true)]
    [InlineData(StatusCode.Aborted, true)]
    [InlineData(StatusCode.ResourceExhausted, false)]
    [InlineData(StatusCode.InvalidArgument, false)]
    [InlineData(StatusCode.Internal, false)]
    public void IsTransient_GrpcStatus_RetriesOnlyWhatMaySucceedNextTime(StatusCode code, bool retried) =>
        HubOutcomes.IsTransient(new RpcException(new Status(code, "detail"))).ShouldBe(retried);
}
