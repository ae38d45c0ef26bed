using Google.Protobuf;
using Grpc.Core;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// Binds a generated gRPC service so that a request message that does not parse is answered
/// INTERNAL "cannot parse the request: …" (gRPC's status for a request that cannot be parsed) instead
/// of grpc-dotnet's UNKNOWN "Exception was thrown by handler". The request is deserialized before any
/// handler or interceptor runs, so the check sits in the request marshaller. A service opts in with
/// <c>[BindServiceMethod(typeof(TheService), nameof(BindService))]</c> and
/// <c>public static void BindService(ServiceBinderBase binder, GeneratedBase? service) =&gt; Generated.BindService(new ParseErrorBinder(binder), service);</c>
/// (grpc-dotnet finds the attribute on the service class before the generated one on its base).
/// </summary>
public sealed class ParseErrorBinder(ServiceBinderBase inner) : ServiceBinderBase
{
    public const string Message = "cannot parse the request";

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        inner.AddMethod(Checked(method), handler);

    private static Method<TRequest, TResponse> Checked<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(method);
        var requests = method.RequestMarshaller;
        var checkedRequests = new Marshaller<TRequest>(requests.ContextualSerializer, context =>
        {
            try
            {
                return requests.ContextualDeserializer(context);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcException(new Status(StatusCode.Internal, $"{Message}: {e.Message} (expected a serialized {typeof(TRequest).Name})"));
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, checkedRequests, method.ResponseMarshaller);
    }
}
