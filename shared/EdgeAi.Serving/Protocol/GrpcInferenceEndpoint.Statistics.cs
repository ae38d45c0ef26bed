using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Statistics;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Serving.Protocol;

/// <summary>The statistics extension over gRPC: ModelStatistics for every model, one model, or one version.</summary>
public sealed partial class GrpcInferenceEndpoint
{
    public override Task<ModelStatisticsResponse> ModelStatistics(ModelStatisticsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return Guard(() =>
        {
            if (string.IsNullOrEmpty(request.Name) && !string.IsNullOrEmpty(request.Version))
            {
                throw InferenceException.Invalid($"version '{request.Version}' given without a model name; name the model too");
            }
            var host = context.GetHttpContext().RequestServices.GetRequiredService<ModelHost>();
            return Task.FromResult(StatisticsReport.For(host, request.Name, request.Version));
        });
    }
}
