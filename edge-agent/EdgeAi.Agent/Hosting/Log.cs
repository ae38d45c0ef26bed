namespace EdgeAi.Agent.Hosting;

/// <summary>Agent host log messages; event ids 2000-2099.</summary>
internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Information, "Edge agent listening: REST {HttpUri}, gRPC {GrpcUri}, data in {DataDirectory}")]
    public static partial void Listening(ILogger logger, Uri httpUri, Uri grpcUri, string dataDirectory);

    [LoggerMessage(2002, LogLevel.Information, "Edge agent listening on Unix sockets (mode {Mode}): REST {RestPath}, gRPC {GrpcPath}")]
    public static partial void ListeningOnUnixSockets(ILogger logger, string restPath, string grpcPath, string mode);
}
