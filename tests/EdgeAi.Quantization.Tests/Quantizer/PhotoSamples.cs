using System.Reflection;
using EdgeAi.Quantization.Calibration;
using EdgeAi.Quantization.Tests.Calibration;
using EdgeAi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace EdgeAi.Quantization.Tests.Quantizer;

/// <summary>Real photos as the ResNet18 featurizer takes them: resized (antialiased) to a square, BGR, 0–255 minus the Caffe mean, NCHW.</summary>
internal static class PhotoSamples
{
    public static readonly string[] Photos =
    [
        "astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "hubble_deep_field.jpg",
        "retina.jpg", "ihc.png", "camera.png", "coins.png", "moon.png", "motorcycle_right.png",
    ];

    private static readonly float[] MeanBgr = [103.06f, 115.90f, 123.15f];

    public static string ResNet18Path => typeof(PhotoSamples).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ResNet18Path").Value!;

    public static float[] Tensor(string photo, int size)
    {
        using var image = Image.Load<Rgb24>(TestImages.PathOf(photo));
        image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(size, size), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Triangle }));
        var plane = size * size;
        var data = new float[3 * plane];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var pixel = image[x, y];
                var at = (y * size) + x;
                data[at] = pixel.B - MeanBgr[0];
                data[plane + at] = pixel.G - MeanBgr[1];
                data[(2 * plane) + at] = pixel.R - MeanBgr[2];
            }
        }

        return data;
    }

    /// <summary>The photos decoded on each read, as a calibration directory would.</summary>
    public static ICalibrationSource Source(string input, int size, IReadOnlyList<string> photos) =>
        new GeneratedSource(photos.Count, i => TestSets.Sample(photos[i], input, TestSets.Floats(Tensor(photos[i], size), 1, 3, size, size)));
}
