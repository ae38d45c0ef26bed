using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using EdgeAi.Hub.Cli;
using EdgeAi.Hub.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Security;

/// <summary>
/// The admin API key: Hub:AdminKey when configured, else admin.key in the data directory, generated
/// (32 random bytes, base64url) on first start and readable by the owner only. The CLI on the hub's
/// machine reads the same file, so a fresh hub is administrable without configuring anything.
/// </summary>
internal sealed class AdminKey : IHostedService
{
    private const int MinimumLength = 16;

    private readonly HubOptions _options;
    private readonly ILogger<AdminKey> _logger;
    private readonly Lazy<byte[]> _hash;

    public AdminKey(IOptions<HubOptions> options, ILogger<AdminKey> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        // Lazy, so a request that races the hosted-service start still sees the one key.
        _hash = new Lazy<byte[]>(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string FilePath => Path.Combine(_options.DataDirectory, AdminConnection.AdminKeyFileName);

    /// <summary>True when <paramref name="presented"/> is the admin key (compared in constant time).</summary>
    public bool Matches(string presented) => CryptographicOperations.FixedTimeEquals(Hash(presented), _hash.Value);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = _hash.Value;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private byte[] Load()
    {
        if (!string.IsNullOrEmpty(_options.AdminKey))
        {
            return Hash(_options.AdminKey);
        }
        var path = FilePath;
        Directory.CreateDirectory(_options.DataDirectory);
        if (OwnerOnlyFile.TryCreate(path, Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)) + "\n"))
        {
            Log.AdminKeyGenerated(_logger, path);
        }
        else
        {
            Log.AdminKeyFromFile(_logger, path);
        }
        var key = File.ReadAllText(path).Trim();
        if (key.Length < MinimumLength)
        {
            throw new InvalidOperationException($"{path} holds a {key.Length}-character admin key; use at least {MinimumLength} characters, or delete the file to have a new key generated.");
        }
        return Hash(key);
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
