using EdgeAi.Common.Onnx;
using EdgeAi.Quantization.Inputs;

namespace EdgeAi.Quantization.Tests.Inputs;

public sealed class CalibrationDirectoryTests : IDisposable
{
    private static readonly byte[] FourFeatures = SampleModels.Identity(OnnxElementType.Float, 1, 4);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_OneInputNpyFiles_SamplesInOrdinalNameOrder()
    {
        NpyWriter.WriteFloats(_dir.File("b.npy"), 10, 1, 4);
        NpyWriter.WriteFloats(_dir.File("a.npy"), 0, 1, 4);
        NpyWriter.WriteFloats(_dir.File("B.npy"), 20, 1, 4);

        var source = CalibrationDirectory.Open(_dir.Path, FourFeatures, null);

        source.Count.ShouldBe(3);
        var samples = source.Read().ToList();
        samples.Select(s => Path.GetFileName(s.Source)).ShouldBe(["B.npy", "a.npy", "b.npy"]);
        var first = samples[1].Inputs["input"];
        first.ElementType.ShouldBe(OnnxElementType.Float);
        first.Shape.ShouldBe([1L, 4L]);
        NpyWriter.ToFloats(first.Data).ShouldBe([0f, 1f, 2f, 3f]);
    }

    [Fact]
    public void Read_TwoPasses_YieldTheSameSamples()
    {
        NpyWriter.WriteFloats(_dir.File("a.npy"), 0, 1, 4);
        NpyWriter.WriteFloats(_dir.File("b.npy"), 5, 1, 4);
        var source = CalibrationDirectory.Open(_dir.Path, FourFeatures, null);

        var first = source.Read().Select(s => NpyWriter.ToFloats(s.Inputs["input"].Data)).ToList();
        var second = source.Read().Select(s => NpyWriter.ToFloats(s.Inputs["input"].Data)).ToList();

        second.ShouldBe(first);
        first[1].ShouldBe([5f, 6f, 7f, 8f]);
    }

    [Fact]
    public void Read_DataIsReadLazily_ChangeAfterOpenIsFoundWhenTheSampleIsRead()
    {
        NpyWriter.WriteFloats(_dir.File("a.npy"), 0, 1, 4);
        NpyWriter.WriteFloats(_dir.File("b.npy"), 0, 1, 4);
        var source = CalibrationDirectory.Open(_dir.Path, FourFeatures, null);
        File.WriteAllBytes(_dir.File("b.npy"), [1, 2, 3]);

        using var samples = source.Read().GetEnumerator();
        samples.MoveNext().ShouldBeTrue();
        var error = Should.Throw<QuantizationException>(() => samples.MoveNext());
        error.Message.ShouldContain("b.npy: changed since it was opened");
    }

    [Fact]
    public void Open_BatchOfFourWhereTheModelTakesOne_IsFourSamples()
    {
        NpyWriter.WriteFloats(_dir.File("batch.npy"), 0, 4, 4);

        var source = CalibrationDirectory.Open(_dir.Path, FourFeatures, null);

        source.Count.ShouldBe(4);
        var samples = source.Read().ToList();
        samples[2].Source.ShouldEndWith("batch.npy[2]");
        samples[2].Inputs["input"].Shape.ShouldBe([1L, 4L]);
        NpyWriter.ToFloats(samples[2].Inputs["input"].Data).ShouldBe([8f, 9f, 10f, 11f]);
    }

    [Fact]
    public void Open_BatchWhereTheModelsBatchIsSymbolic_IsSplitToo()
    {
        var model = SampleModels.Identity(OnnxElementType.Float, -1, 4);
        NpyWriter.WriteFloats(_dir.File("batch.npy"), 0, 3, 4);

        CalibrationDirectory.Open(_dir.Path, model, null).Count.ShouldBe(3);
    }

    [Fact]
    public void Open_FileWithoutTheBatchDimension_GetsBatchOne()
    {
        NpyWriter.WriteFloats(_dir.File("a.npy"), 0, 4);

        var sample = CalibrationDirectory.Open(_dir.Path, FourFeatures, null).Read().Single();

        sample.Inputs["input"].Shape.ShouldBe([1L, 4L]);
    }

    [Fact]
    public void Open_WrongShape_NamesFileFoundAndExpected()
    {
        NpyWriter.WriteFloats(_dir.File("a.npy"), 0, 1, 4);
        NpyWriter.WriteFloats(_dir.File("wide.npy"), 0, 1, 5);

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, FourFeatures, null));

        error.Message.ShouldBe($"{_dir.File("wide.npy")}: '<f4' shape (1, 5), but model input 'input' FP32 [1,4] takes (1, 4)");
    }

    [Fact]
    public void Open_WrongDatatype_NamesFileFoundExpectedAndTheFix()
    {
        File.WriteAllBytes(_dir.File("a.npy"), NpyWriter.Bytes(NpyWriter.Header("<f8", 1, 4), new byte[32]));

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, FourFeatures, null));

        error.Message.ShouldBe($"{_dir.File("a.npy")}: '<f8' FP64, but model input 'input' FP32 [1,4] takes FP32; save it with a.astype('<f4')");
    }

    [Fact]
    public void Open_EmptyArray_IsRefused()
    {
        NpyWriter.WriteFloats(_dir.File("a.npy"), 0, 0, 4);

        Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, FourFeatures, null)).Message.ShouldContain("holds no values");
    }

    [Fact]
    public void Open_TwoInputsInSampleFolders_EachFolderIsOneSample()
    {
        var model = SampleModels.AddTwo();
        foreach (var (folder, start) in new[] { ("s2", 100f), ("s1", 0f) })
        {
            var path = _dir.Folder(folder);
            NpyWriter.WriteFloats(Path.Combine(path, "a.npy"), start, 1, 3);
            NpyWriter.WriteFloats(Path.Combine(path, "b.npy"), start + 50, 1, 3);
        }

        var source = CalibrationDirectory.Open(_dir.Path, model, null);

        source.Count.ShouldBe(2);
        var first = source.Read().First();
        Path.GetFileName(first.Source).ShouldBe("s1");
        NpyWriter.ToFloats(first.Inputs["a"].Data).ShouldBe([0f, 1f, 2f]);
        NpyWriter.ToFloats(first.Inputs["b"].Data).ShouldBe([50f, 51f, 52f]);
    }

    [Fact]
    public void Open_SampleFolderMissingAnInput_NamesFolderAndInput()
    {
        var folder = _dir.Folder("s1");
        NpyWriter.WriteFloats(Path.Combine(folder, "a.npy"), 0, 1, 3);

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, SampleModels.AddTwo(), null));

        error.Message.ShouldBe($"{folder}: no b.npy for model input 'b' FP32 [batch,3]; a sample folder holds one .npy per model input (a.npy, b.npy)");
    }

    [Fact]
    public void Open_SampleFolderWithAStrayNpy_IsRefused()
    {
        var folder = _dir.Folder("s1");
        NpyWriter.WriteFloats(Path.Combine(folder, "a.npy"), 0, 1, 3);
        NpyWriter.WriteFloats(Path.Combine(folder, "b.npy"), 0, 1, 3);
        NpyWriter.WriteFloats(Path.Combine(folder, "c.npy"), 0, 1, 3);

        Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, SampleModels.AddTwo(), null))
            .Message.ShouldContain("c.npy names no model input");
    }

    [Fact]
    public void Open_SampleFolderWithABatch_IsRefused()
    {
        var folder = _dir.Folder("s1");
        NpyWriter.WriteFloats(Path.Combine(folder, "a.npy"), 0, 2, 3);
        NpyWriter.WriteFloats(Path.Combine(folder, "b.npy"), 0, 1, 3);

        Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, SampleModels.AddTwo(), null))
            .Message.ShouldContain("a sample folder holds one sample: batch 1");
    }

    [Fact]
    public void Open_LooseNpyFilesForTwoInputs_SaysToUseSampleFolders()
    {
        NpyWriter.WriteFloats(_dir.File("a.npy"), 0, 1, 3);

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, SampleModels.AddTwo(), null));

        error.Message.ShouldContain("the model has 2 inputs");
        error.Message.ShouldContain("its own sub-folder holding a.npy, b.npy");
    }

    [Fact]
    public void Open_NpyAndImagesMixed_IsRefused()
    {
        NpyWriter.WriteFloats(_dir.File("a.npy"), 0, 1, 4);
        File.WriteAllBytes(_dir.File("photo.png"), [0x89, 0x50]);

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, FourFeatures, null));

        error.Message.ShouldContain("holds 1 .npy files and 1 images (a.npy, photo.png)");
    }

    [Fact]
    public void Open_UnknownFiles_AreIgnoredAndSaidSo()
    {
        NpyWriter.WriteFloats(_dir.File("a.npy"), 0, 1, 4);
        File.WriteAllText(_dir.File("README.md"), "calibration set");
        File.WriteAllText(_dir.File(".hidden"), "");

        var source = CalibrationDirectory.Open(_dir.Path, FourFeatures, null);

        source.Count.ShouldBe(1);
        source.Description.ShouldBe($"1 sample from 1 .npy file in {_dir.Path} (ignored: README.md)");
    }

    [Fact]
    public void Open_EmptyDirectory_SaysWhatWasExpected()
    {
        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, FourFeatures, null));

        error.Message.ShouldBe($"no calibration samples in {_dir.Path}: expected one .npy file per sample for input 'input' FP32 [1,4], or .jpg/.jpeg/.png images");
    }

    [Fact]
    public void Open_MissingDirectory_SaysSo()
    {
        var missing = _dir.File("nope");

        Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(missing, FourFeatures, null))
            .Message.ShouldBe($"calibration directory {missing} does not exist");
    }

    [Fact]
    public void Open_NotAModel_IsAQuantizationException()
    {
        NpyWriter.WriteFloats(_dir.File("a.npy"), 0, 1, 4);

        Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, [1, 2, 3], null)).Message.ShouldStartWith("the model cannot be read");
    }
}
