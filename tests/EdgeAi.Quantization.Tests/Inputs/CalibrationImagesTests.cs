using EdgeAi.Common.Onnx;
using EdgeAi.Quantization.Inputs;
using EdgeAi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeAi.Quantization.Tests.Inputs;

public sealed class CalibrationImagesTests : IDisposable
{
    // The ResNet18 featurizer's convention (Caffe): BGR, 0–255, minus the per-channel mean, no std.
    private static readonly float[] CaffeMean = [103.06f, 115.90f, 123.15f];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static ImagePreprocessing Caffe(int side, bool nhwc = false, bool letterbox = false) =>
        new(side, side, letterbox, 0, 1f, CaffeMean, [], Bgr: true, nhwc, null);

    private void SolidPng(string name, int width, int height, byte r, byte g, byte b)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(r, g, b));
        image.SaveAsPng(_dir.File(name));
    }

    [Fact]
    public void Open_SolidPhotoWithCaffePreprocessing_GivesBgrMinusMeanNchw()
    {
        SolidPng("a.png", 40, 30, 200, 100, 50);
        var model = SampleModels.Identity(OnnxElementType.Float, 1, 3, 8, 8);

        var sample = CalibrationDirectory.Open(_dir.Path, model, Caffe(8)).Read().Single();

        var tensor = sample.Inputs["input"];
        tensor.Shape.ShouldBe([1L, 3L, 8L, 8L]);
        var values = NpyWriter.ToFloats(tensor.Data);
        values.Length.ShouldBe(3 * 64);
        values[0].ShouldBe(50 - 103.06f, 1e-3f);        // plane 0: blue
        values[64 + 10].ShouldBe(100 - 115.90f, 1e-3f); // plane 1: green
        values[128 + 63].ShouldBe(200 - 123.15f, 1e-3f); // plane 2: red
    }

    [Fact]
    public void Open_PreprocessJson_IsUsedWhenNoneIsGiven()
    {
        SolidPng("a.png", 16, 16, 10, 20, 30);
        File.WriteAllText(_dir.File("preprocess.json"), """{ "width": 4, "height": 4, "scale": 0.5, "mean": [1], "std": [2, 4, 8], "nhwc": true }""");
        var model = SampleModels.Identity(OnnxElementType.Float, 1, 4, 4, 3);

        var source = CalibrationDirectory.Open(_dir.Path, model, null);

        source.Description.ShouldContain("1 image in");
        source.Description.ShouldContain("via preprocess.json (4 × 4 stretch, RGB, NHWC, scale 0.5, mean 1, std 2/4/8)");
        var values = NpyWriter.ToFloats(source.Read().Single().Inputs["input"].Data);
        values[0].ShouldBe((10 * 0.5f - 1) / 2, 1e-5f);
        values[1].ShouldBe((20 * 0.5f - 1) / 4, 1e-5f);
        values[2].ShouldBe((30 * 0.5f - 1) / 8, 1e-5f);
    }

    [Fact]
    public void Open_LetterboxNhwc_FillsTheBarsAndCentresThePhoto()
    {
        SolidPng("wide.png", 16, 8, 90, 90, 90);
        var model = SampleModels.Identity(OnnxElementType.Float, 1, 8, 8, 3);
        var p = new ImagePreprocessing(8, 8, Letterbox: true, Fill: 114, 1f, [], [], false, Nhwc: true, null);

        var values = NpyWriter.ToFloats(CalibrationDirectory.Open(_dir.Path, model, p).Read().Single().Inputs["input"].Data);

        values[0].ShouldBe(114f);                // row 0: bar
        values[(4 * 8 + 3) * 3].ShouldBe(90f, 1e-3f); // row 4: photo
        values[(7 * 8 + 7) * 3 + 2].ShouldBe(114f); // row 7: bar
    }

    [Fact]
    public void Open_UInt8Input_GivesRoundedPixels()
    {
        SolidPng("a.png", 4, 4, 7, 8, 9);
        var model = SampleModels.Identity(OnnxElementType.UInt8, 1, 3, 2, 2);

        var tensor = CalibrationDirectory.Open(_dir.Path, model, new ImagePreprocessing(2, 2, false, 0, 1f, [], [], false, false, null)).Read().Single().Inputs["input"];

        tensor.ElementType.ShouldBe(OnnxElementType.UInt8);
        tensor.Data.ShouldBe([7, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 9]);
    }

    [Fact]
    public void Open_RealPhotos_TensorsKeepEachPhotosColour()
    {
        string[] photos = ["chelsea.png", "coffee.png", "rocket.jpg"];
        foreach (var photo in photos)
        {
            File.Copy(TestImages.PathOf(photo), _dir.File(photo));
        }
        var model = SampleModels.Identity(OnnxElementType.Float, -1, 3, 224, 224);

        var source = CalibrationDirectory.Open(_dir.Path, model, Caffe(224));

        source.Count.ShouldBe(3);
        var samples = source.Read().ToList();
        samples.Select(s => Path.GetFileName(s.Source)).ShouldBe(photos);
        for (var i = 0; i < photos.Length; i++)
        {
            using var decoded = Image.Load<Rgb24>(_dir.File(photos[i]));
            var (r, g, b) = MeanColour(decoded);
            var values = NpyWriter.ToFloats(samples[i].Inputs["input"].Data);
            const int plane = 224 * 224;
            // An antialiased shrink keeps a photo's mean colour; a tensor from another photo (or RGB order) would not.
            (values[..plane].Average() + 103.06).ShouldBe(b, 2.0);
            (values[plane..(2 * plane)].Average() + 115.90).ShouldBe(g, 2.0);
            (values[(2 * plane)..].Average() + 123.15).ShouldBe(r, 2.0);
        }
    }

    private static (double R, double G, double B) MeanColour(Image<Rgb24> image)
    {
        double r = 0, g = 0, b = 0;
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (var p in rows.GetRowSpan(y))
                {
                    r += p.R;
                    g += p.G;
                    b += p.B;
                }
            }
        });
        var n = (double)image.Width * image.Height;
        return (r / n, g / n, b / n);
    }

    [Fact]
    public void Open_TruncatedJpeg_IsRefusedAtOpenNamingTheFile()
    {
        File.Copy(TestImages.PathOf("chelsea.png"), _dir.File("a.png"));
        File.Copy(TestImages.PathOf("truncated.jpg"), _dir.File("truncated.jpg"));
        var model = SampleModels.Identity(OnnxElementType.Float, 1, 3, 224, 224);

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, model, Caffe(224)));

        error.Message.ShouldStartWith($"{_dir.File("truncated.jpg")}: JPEG is truncated");
    }

    [Fact]
    public void Open_ImagesWithoutPreprocessing_SaysHowToGiveIt()
    {
        SolidPng("a.png", 4, 4, 1, 2, 3);
        SolidPng("b.png", 4, 4, 1, 2, 3);

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, SampleModels.Identity(OnnxElementType.Float, 1, 3, 4, 4), null));

        error.Message.ShouldStartWith($"2 images in {_dir.Path} but no pre-processing: pass --pipeline NAME or add preprocess.json");
    }

    [Fact]
    public void Open_PreprocessingOfTheWrongSize_NamesBothSizes()
    {
        SolidPng("a.png", 4, 4, 1, 2, 3);

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, SampleModels.Identity(OnnxElementType.Float, 1, 3, 224, 224), Caffe(32)));

        error.Message.ShouldBe("pre-processing (given) makes NCHW 32 × 32 images, shape (1, 3, 32, 32), but model input 'input' FP32 [1,3,224,224] takes (1, 3, 224, 224)");
    }

    [Fact]
    public void Open_PreprocessJsonWithAMisspeltField_NamesTheFile()
    {
        SolidPng("a.png", 4, 4, 1, 2, 3);
        File.WriteAllText(_dir.File("preprocess.json"), """{ "widht": 4, "height": 4 }""");

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, SampleModels.Identity(OnnxElementType.Float, 1, 3, 4, 4), null));

        error.Message.ShouldStartWith($"{_dir.File("preprocess.json")}: not valid pre-processing JSON");
        error.Message.ShouldContain("widht");
    }

    [Fact]
    public void Open_InvalidPreprocessing_ListsEveryProblem()
    {
        SolidPng("a.png", 4, 4, 1, 2, 3);
        var bad = new ImagePreprocessing(0, 4, false, 300, 1f, [1, 2], [0], false, false, null);

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, SampleModels.Identity(OnnxElementType.Float, 1, 3, 4, 4), bad));

        error.Message.ShouldBe("pre-processing (given) is invalid: width and height must be 1–16384 (they are 0 and 4); fill must be a pixel value 0–255 (it is 300); mean must hold 1 or 3 values (it holds 2); std must not hold 0");
    }

    [Fact]
    public void Open_ImagesForATwoInputModel_SaysToUseSampleFolders()
    {
        SolidPng("a.png", 4, 4, 1, 2, 3);

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, SampleModels.AddTwo(), Caffe(4)));

        error.Message.ShouldContain("images feed one input, but the model has 2");
    }

    [Fact]
    public void Open_ModelInputThatTakesNoImage_IsRefused()
    {
        SolidPng("a.png", 4, 4, 1, 2, 3);

        var error = Should.Throw<QuantizationException>(() => CalibrationDirectory.Open(_dir.Path, SampleModels.Identity(OnnxElementType.Int64, 1, 3, 4, 4), Caffe(4)));

        error.Message.ShouldBe("model input 'input' INT64 [1,3,4,4] takes no image: pixels become FP32, FP16 or UINT8 tensors");
    }
}
