using EdgeAi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace EdgeAi.Bench.Quantize;

/// <summary>
/// A calibration directory made from the real photos of scripts/test-images.sh: every fifth photo (by name) is held
/// out for evaluation and copied whole (named <c>zz-eval-*</c>, so it sorts after the calibration images and the
/// quantizer's last samples are exactly these); the others are the sources of <c>calib-NNN.png</c>, crops of 55–100 %
/// of each side at varying places, every other one mirrored, until there are as many as asked. Photos too small to
/// crop (under 64 px) or damaged (truncated.jpg) are left out.
/// </summary>
internal sealed class CalibrationPhotos : IDisposable
{
    private const int MinSide = 64;

    private CalibrationPhotos(string directory, IReadOnlyList<string> sources, IReadOnlyList<string> evaluation)
    {
        Directory = directory;
        Sources = sources;
        Evaluation = evaluation;
    }

    public string Directory { get; }

    /// <summary>The photos the calibration crops are made from.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>The held-out photos, never a crop's source.</summary>
    public IReadOnlyList<string> Evaluation { get; }

    public static CalibrationPhotos Make(int count)
    {
        var photos = new List<(string Name, Image<Rgb24> Image)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(TestImages.Directory).Order(StringComparer.Ordinal))
        {
            try
            {
                var image = Image.Load<Rgb24>(path);
                if (image.Width < MinSide || image.Height < MinSide || Path.GetFileName(path) == "truncated.jpg")
                {
                    image.Dispose();
                    continue;
                }
                photos.Add((Path.GetFileName(path), image));
            }
            catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException)
            {
                // Not a usable photo: not a source of anything.
            }
        }
        if (photos.Count < 5)
        {
            throw new InvalidOperationException($"{photos.Count} usable photos in {TestImages.Directory}; run {TestImages.Script}");
        }
        var directory = System.IO.Directory.CreateTempSubdirectory("edgeai-bench-calib-").FullName;
        try
        {
            var evaluation = photos.Where((_, i) => i % 5 == 2).ToList();
            var sources = photos.Where((_, i) => i % 5 != 2).ToList();
            foreach (var (name, image) in evaluation)
            {
                image.SaveAsPng(Path.Combine(directory, $"zz-eval-{Path.GetFileNameWithoutExtension(name)}.png"));
            }
            var random = new Random(13);
            for (var i = 0; i < count; i++)
            {
                var (_, source) = sources[i % sources.Count];
                var w = (int)(source.Width * (0.55 + 0.45 * random.NextDouble()));
                var h = (int)(source.Height * (0.55 + 0.45 * random.NextDouble()));
                var crop = new Rectangle(random.Next(source.Width - w + 1), random.Next(source.Height - h + 1), w, h);
                using var variant = source.Clone(x =>
                {
                    x.Crop(crop);
                    if (i % 2 == 1)
                    {
                        x.Flip(FlipMode.Horizontal);
                    }
                });
                variant.SaveAsPng(Path.Combine(directory, $"calib-{i:000}.png"));
            }
            return new CalibrationPhotos(directory, [.. sources.Select(s => s.Name)], [.. evaluation.Select(e => e.Name)]);
        }
        catch
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
        finally
        {
            foreach (var (_, image) in photos)
            {
                image.Dispose();
            }
        }
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
