using EdgeAi.Common.Inference;
using EdgeAi.Serving.SharedMemory;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Serving.Protocol;

/// <summary>Triton's system_shared_memory extension: register, status and unregister, where the server offers it (the agent).</summary>
public sealed partial class GrpcInferenceEndpoint
{
    public override Task<SystemSharedMemoryStatusResponse> SystemSharedMemoryStatus(SystemSharedMemoryStatusRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var registry = RequireSharedMemory(context);
        return Guard(() =>
        {
            var response = new SystemSharedMemoryStatusResponse();
            foreach (var region in registry.Status(request.Name))
            {
                response.Regions[region.Name] = new SystemSharedMemoryStatusResponse.Types.RegionStatus
                {
                    Name = region.Name,
                    Key = region.Key,
                    Offset = (ulong)region.Offset,
                    ByteSize = (ulong)region.ByteSize,
                };
            }
            return Task.FromResult(response);
        });
    }

    public override Task<SystemSharedMemoryRegisterResponse> SystemSharedMemoryRegister(SystemSharedMemoryRegisterRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var registry = RequireSharedMemory(context);
        return Guard(() =>
        {
            registry.Register(request.Name, request.Key, request.Offset, request.ByteSize);
            return Task.FromResult(new SystemSharedMemoryRegisterResponse());
        });
    }

    public override Task<SystemSharedMemoryUnregisterResponse> SystemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var registry = RequireSharedMemory(context);
        return Guard(() =>
        {
            registry.Unregister(request.Name);
            return Task.FromResult(new SystemSharedMemoryUnregisterResponse());
        });
    }

    /// <summary>The registry where this server offers the extension, else null (the hub: its clients are remote).</summary>
    private static SharedMemoryRegistry? SharedMemory(ServerCallContext context) =>
        context.GetHttpContext().RequestServices.GetService<SharedMemoryRegistry>();

    private static SharedMemoryRegistry RequireSharedMemory(ServerCallContext context) =>
        SharedMemory(context) ?? throw new RpcException(new Status(
            StatusCode.Unimplemented, "this server does not offer the system_shared_memory extension (the agent does, where Agent:SharedMemory:Enabled and /dev/shm exists)"));
}
