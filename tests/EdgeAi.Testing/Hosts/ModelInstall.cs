using System.Security.Cryptography;
using System.Text;
using EdgeAi.Serving.Store;

namespace EdgeAi.Testing.Hosts;

/// <summary>Installs model bytes into a store the way <c>models add</c> does (from a file, which the store copies).</summary>
internal static class ModelInstall
{
    public static StoredModel Install(this ModelStore store, string name, byte[] model, string version = "1")
    {
        var file = Path.Combine(Path.GetTempPath(), $"edgeai-model-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(file, model);
        try
        {
            return store.Add(file, name, version);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// A version whose manifest matches its file but whose file is no ONNX model, as after a disk lost a sector:
    /// ONNX Runtime refuses it at load, and the host logs that as an error (ModelHost, event 1002).
    /// </summary>
    public static void InstallCorrupt(this ModelStore store, string name, string version = "1")
    {
        var dir = Directory.CreateDirectory(Path.Combine(store.Root, name, version)).FullName;
        var bytes = Encoding.ASCII.GetBytes("this was an ONNX model until the disk lost a sector");
        File.WriteAllBytes(Path.Combine(dir, ModelStore.ModelFileName), bytes);
        File.WriteAllText(Path.Combine(dir, ModelStore.ManifestFileName), $$"""
            {"name":"{{name}}","version":"{{version}}","sha256":"{{Convert.ToHexStringLower(SHA256.HashData(bytes))}}","sizeBytes":{{bytes.Length}},"inputs":[],"outputs":[]}
            """);
    }

    /// <summary>A store over <c>DATA/models</c>, where agent and hub keep theirs.</summary>
    public static ModelStore StoreIn(string dataDirectory) => new(Path.Combine(dataDirectory, "models"), TimeProvider.System);
}
