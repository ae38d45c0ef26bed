using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Store;

namespace EdgeAi.Serving.Tests.Store;

public sealed class ModelStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ModelStore _store;

    public ModelStoreTests() => _store = new ModelStore(Path.Combine(_dir.Path, "models"), TimeProvider.System);

    [Fact]
    public void Add_ValidModel_WritesManifestWithMetadataAndChecksum()
    {
        var source = _dir.Write("classifier.onnx", SampleModels.Classifier());

        var stored = _store.Add(source, "classifier", "1");

        stored.Manifest.ShouldNotBeNull();
        stored.Manifest.Sha256.Length.ShouldBe(64);
        stored.Manifest.SizeBytes.ShouldBe(new FileInfo(source).Length);
        stored.Manifest.Opset.ShouldBe(17);
        stored.Manifest.Inputs.ShouldHaveSingleItem().ShouldBe(new ManifestTensor("input", "FP32", [-1, 4]), new ManifestTensorComparer());
        File.Exists(Path.Combine(_store.Root, "classifier", "1", ModelStore.ModelFileName)).ShouldBeTrue();
        File.Exists(Path.Combine(_store.Root, "classifier", "1", ModelStore.ManifestFileName)).ShouldBeTrue();
        var listed = _store.List().ShouldHaveSingleItem();
        listed.Manifest!.Sha256.ShouldBe(stored.Manifest.Sha256);
    }

    [Fact]
    public void Add_WithoutVersion_TakesNextInteger()
    {
        var source = _dir.Write("m.onnx", SampleModels.Classifier());

        _store.Add(source, "m", null).Version.ShouldBe("1");
        _store.Add(source, "m", "7");
        _store.Add(source, "m", null).Version.ShouldBe("8");
        _store.List().Select(m => m.Version).ShouldBe(["1", "7", "8"]);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    public void Add_BadName_IsRefused(string name)
    {
        var source = _dir.Write("m.onnx", SampleModels.Classifier());

        Should.Throw<ModelStoreException>(() => _store.Add(source, name, "1")).Message.ShouldStartWith("invalid model name");
    }

    [Fact]
    public void Add_NotOnnx_IsRefusedAndNothingIsInstalled()
    {
        var source = _dir.Write("notes.onnx", "hello, not a model"u8.ToArray());

        var error = Should.Throw<ModelStoreException>(() => _store.Add(source, "notes", "1"));

        error.Message.ShouldStartWith("'notes.onnx' is not a usable ONNX model: ");
        _store.List().ShouldBeEmpty();
        Directory.EnumerateDirectories(Path.Combine(_store.Root, ".staging")).ShouldBeEmpty();
    }

    [Fact]
    public void Add_VerifierRefuses_NothingIsInstalled()
    {
        var source = _dir.Write("m.onnx", SampleModels.Classifier());

        Should.Throw<ModelStoreException>(() => _store.Add(source, "m", "1", _ => throw new ModelStoreException("unsupported operator")));

        _store.List().ShouldBeEmpty();
    }

    [Fact]
    public void Add_ExistingVersion_IsRefused()
    {
        var source = _dir.Write("m.onnx", SampleModels.Classifier());
        _store.Add(source, "m", "1");

        Should.Throw<ModelStoreException>(() => _store.Add(source, "m", "1")).Message.ShouldContain("already installed");
    }

    [Fact]
    public void Add_MissingFile_NamesIt()
    {
        Should.Throw<ModelStoreException>(() => _store.Add(Path.Combine(_dir.Path, "nope.onnx"), "m", "1")).Message.ShouldContain("does not exist");
    }

    [Fact]
    public void Remove_OneVersionThenAll()
    {
        var source = _dir.Write("m.onnx", SampleModels.Classifier());
        _store.Add(source, "m", "1");
        _store.Add(source, "m", "2");

        _store.Remove("m", "1").ShouldBeTrue();
        _store.List().Select(m => m.Version).ShouldBe(["2"]);
        _store.Remove("m", null).ShouldBeTrue();
        _store.List().ShouldBeEmpty();
        _store.Remove("m", null).ShouldBeFalse();
    }

    [Fact]
    public void CheckIntegrity_ModifiedFile_ReportsChecksumMismatch()
    {
        var stored = _store.Add(_dir.Write("m.onnx", SampleModels.Classifier()), "m", "1");
        ModelStore.CheckIntegrity(stored).ShouldBeNull();

        File.AppendAllText(stored.ModelPath, "tampered");

        ModelStore.CheckIntegrity(stored)!.ShouldStartWith("model file changed since it was installed");
    }

    [Fact]
    public void List_UnreadableManifest_IsReportedNotThrown()
    {
        var stored = _store.Add(_dir.Write("m.onnx", SampleModels.Classifier()), "m", "1");
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(stored.ModelPath)!, ModelStore.ManifestFileName), "{ not json");

        var listed = _store.List().ShouldHaveSingleItem();

        listed.Manifest.ShouldBeNull();
        listed.Error!.ShouldStartWith("manifest is unreadable");
    }

    public void Dispose() => _dir.Dispose();

    private sealed class ManifestTensorComparer : IEqualityComparer<ManifestTensor>
    {
        public bool Equals(ManifestTensor? x, ManifestTensor? y) =>
            x is not null && y is not null && x.Name == y.Name && x.Datatype == y.Datatype && x.Shape.SequenceEqual(y.Shape);

        public int GetHashCode(ManifestTensor obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}
