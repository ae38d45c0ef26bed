using EdgeAi.Agent.Pipelines;
using EdgeAi.Imaging;

namespace EdgeAi.Agent.Tests.Pipelines;

public sealed class ImageResizeTests
{
    [Fact]
    public void Filter_HalvingFourPixels_WeightsAsTheWidenedTriangleGives()
    {
        // Shrinking 4 → 2: the triangle's support doubles to 2 source pixels each side of a centre at 1.0 and 3.0.
        // Output 0 reads sources 0, 1, 2 at distances 0.5, 0.5, 1.5 (÷2: 0.25, 0.25, 0.75): weights 0.75, 0.75, 0.25 → /1.75.
        var filter = ImageResize.Filter.For(4, 2);

        filter.Start.ShouldBe([0, 1]);
        filter.WeightsOf(0).ToArray().ShouldBe([3f / 7, 3f / 7, 1f / 7], tolerance: 1e-6);
        filter.WeightsOf(1).ToArray().ShouldBe([1f / 7, 3f / 7, 3f / 7], tolerance: 1e-6);
    }

    [Fact]
    public void Stretch_HalvingARow_AveragesEverySourcePixelUnderEachOutput()
    {
        var row = TestPictures.Rgb(4, 1, (x, _) => ((byte)(x * 70), 0, 0)); // R: 0, 70, 140, 210

        var resized = ImageResize.Stretch(row, 2, 1);

        // (0·3 + 70·3 + 140·1) / 7 = 50 and (70·1 + 140·3 + 210·3) / 7 = 160; 2-tap bilinear would give 35 and 175.
        resized[0].ShouldBe(50f, tolerance: 1e-3);
        resized[3].ShouldBe(160f, tolerance: 1e-3);
    }

    [Fact]
    public void Stretch_DoublingARow_InterpolatesBetweenPixelCentres()
    {
        var row = TestPictures.Rgb(2, 1, (x, _) => ((byte)(x * 100), 0, 0)); // R: 0, 100

        var resized = ImageResize.Stretch(row, 4, 1);

        // Output centres 0.25, 0.75, 1.25, 1.75 in source pixels: clamped at the edges, 3:1 and 1:3 between.
        new[] { resized[0], resized[3], resized[6], resized[9] }.ShouldBe([0f, 25f, 75f, 100f], tolerance: 1e-3);
    }

    [Fact]
    public void Stretch_SameSize_CopiesThePixels()
    {
        var image = TestPictures.Rgb(3, 2, (x, y) => ((byte)(x * 30 + y), (byte)(y * 90), (byte)(x + 200)));

        var resized = ImageResize.Stretch(image, 3, 2);

        resized.ShouldBe(image.Pixels.Select(p => (float)p).ToArray(), tolerance: 1e-4);
    }

    [Fact]
    public void Stretch_FlatColour_StaysFlatAtAnySize()
    {
        var flat = TestPictures.Rgb(37, 23, (_, _) => (12, 200, 77));

        var resized = ImageResize.Stretch(flat, 10, 7);

        for (var i = 0; i < resized.Length; i += 3)
        {
            new[] { resized[i], resized[i + 1], resized[i + 2] }.ShouldBe([12f, 200f, 77f], tolerance: 1e-3);
        }
    }

    [Theory]
    [InlineData(400, 200, 224, 224, 224, 112, 0, 56)] // wide: full width, bars above and below
    [InlineData(100, 300, 224, 224, 75, 224, 74, 0)]  // tall: 100 × 0.7467 = 74.67 → 75 wide, (224 − 75) / 2 = 74 left
    [InlineData(640, 427, 320, 320, 320, 214, 0, 53)] // rocket.jpg's size: 427 / 2 = 213.5 → 214, (320 − 214) / 2 = 53
    [InlineData(50, 50, 224, 224, 224, 224, 0, 0)]    // enlarged to fill
    public void Fit_KeepsTheAspectRatioCentred(int sw, int sh, int tw, int th, int w, int h, int left, int top)
    {
        var geometry = LetterboxGeometry.Fit(sw, sh, tw, th);

        (geometry.Width, geometry.Height, geometry.Left, geometry.Top).ShouldBe((w, h, left, top));
    }

    [Fact]
    public void Letterbox_FillsTheBarsAndPlacesTheImageBetween()
    {
        var wide = TestPictures.Rgb(4, 2, (_, _) => (255, 255, 255));

        var boxed = ImageResize.Letterbox(wide, 4, 4, fill: 114, out var geometry);

        geometry.ShouldBe(new LetterboxGeometry(1.0, 0, 1, 4, 2));
        float At(int x, int y) => boxed[(y * 4 + x) * 3];
        new[] { At(0, 0), At(3, 0), At(0, 3), At(3, 3) }.ShouldAllBe(v => v == 114f);
        new[] { At(0, 1), At(3, 1), At(0, 2), At(3, 2) }.ShouldAllBe(v => Math.Abs(v - 255f) < 1e-3);
    }
}
