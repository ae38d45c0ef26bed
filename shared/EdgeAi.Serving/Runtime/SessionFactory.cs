using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Serving.Runtime;

/// <summary>
/// Creates ONNX Runtime sessions down the configured execution-provider chain. A provider that is
/// not in the native build, or fails to start for this model, is skipped with its reason; CPU ends
/// every chain, so a model that fails there is truly unloadable.
/// </summary>
public sealed class SessionFactory
{
    public static readonly IReadOnlyList<string> KnownProviders = ["DirectML", "CUDA", "TensorRT", "OpenVINO", "CPU"];

    public static readonly IReadOnlyList<string> DefaultChain = ["DirectML", "CUDA", "CPU"];

    private readonly ModelHostOptions _options;
    private readonly ILogger<SessionFactory> _logger;

    public SessionFactory(IOptions<ModelHostOptions> options, ILogger<SessionFactory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>The chain as configured, with CPU appended when it is missing.</summary>
    public IReadOnlyList<string> Chain
    {
        get
        {
            IEnumerable<string> configured = _options.ExecutionProviders.Count > 0 ? _options.ExecutionProviders : DefaultChain;
            var chain = configured
                .Select(p => KnownProviders.First(k => string.Equals(k, p, StringComparison.OrdinalIgnoreCase)))
                .Distinct()
                .ToList();
            if (!chain.Contains("CPU"))
            {
                chain.Add("CPU");
            }
            return chain;
        }
    }

    /// <summary>Creates a session on the first provider that starts; throws <see cref="ModelLoadException"/> when none does.</summary>
    public CreatedSession Create(string modelPath, string modelName)
    {
        var skipped = new List<ProviderAttempt>();
        foreach (var provider in Chain)
        {
            var sessionOptions = NewSessionOptions(provider);
            try
            {
                Append(sessionOptions, provider);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or OnnxRuntimeException or DllNotFoundException or NotSupportedException)
            {
                sessionOptions.Dispose();
                var reason = e is EntryPointNotFoundException
                    ? "not in this ONNX Runtime build"
                    : FirstLine(e.Message);
                skipped.Add(new ProviderAttempt(provider, reason));
                Log.ProviderSkipped(_logger, provider, modelName, reason);
                continue;
            }

            try
            {
                var session = new InferenceSession(modelPath, sessionOptions);
                return new CreatedSession(session, sessionOptions, provider, skipped);
            }
            catch (OnnxRuntimeException e)
            {
                sessionOptions.Dispose();
                if (provider == "CPU")
                {
                    throw new ModelLoadException($"ONNX Runtime cannot load the model: {FirstLine(e.Message)}", skipped, e);
                }
                var reason = "failed to start for this model: " + FirstLine(e.Message);
                skipped.Add(new ProviderAttempt(provider, reason));
                Log.ProviderSkipped(_logger, provider, modelName, reason);
            }
        }
        throw new ModelLoadException("no execution provider could start", skipped);
    }

    private SessionOptions NewSessionOptions(string provider)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = _options.IntraOpThreads,
            InterOpNumThreads = _options.InterOpThreads,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (provider == "DirectML")
        {
            // DirectML does not support memory patterns or parallel execution.
            options.EnableMemoryPattern = false;
        }
        return options;
    }

    private void Append(SessionOptions options, string provider)
    {
        switch (provider)
        {
            case "DirectML":
                options.AppendExecutionProvider_DML(_options.DeviceId);
                break;
            case "CUDA":
                options.AppendExecutionProvider_CUDA(_options.DeviceId);
                break;
            case "TensorRT":
                options.AppendExecutionProvider_Tensorrt(_options.DeviceId);
                break;
            case "OpenVINO":
                options.AppendExecutionProvider_OpenVINO(string.Empty);
                break;
            case "CPU":
                break;
            default:
                throw new NotSupportedException($"unknown execution provider '{provider}'");
        }
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 400 ? line[..400] + "…" : line;
    }
}

/// <summary>A session and the provider it really runs on. The options live as long as the session.</summary>
public sealed record CreatedSession(
    InferenceSession Session,
    SessionOptions Options,
    string ExecutionProvider,
    IReadOnlyList<ProviderAttempt> SkippedProviders);

/// <summary>A model that no provider could load, with every provider's reason.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string message, IReadOnlyList<ProviderAttempt> skipped, Exception? inner = null)
        : base(message, inner) => Skipped = skipped;

    public ModelLoadException()
        : this("model could not be loaded", [])
    {
    }

    public ModelLoadException(string message)
        : this(message, [])
    {
    }

    public ModelLoadException(string message, Exception innerException)
        : this(message, [], innerException)
    {
    }

    public IReadOnlyList<ProviderAttempt> Skipped { get; }
}
