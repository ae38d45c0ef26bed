using EdgeAi.Common.Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeAi.Testing;

/// <summary>
/// What a pipeline over <see cref="SampleModels.ChannelClassifier"/> (pixels / 255, softmax, labels for red, green,
/// blue) should answer for a photo, computed without the pipeline: each channel's mean over every pixel of the
/// full-size photo (an antialiased shrink keeps the mean), through the classifier's formula, best first. Shared by
/// the pipeline and rule tests and the edge benchmark, which checks the pipeline's answer before timing it.
/// </summary>
internal static class ChannelAnswers
{
    public static (string[] Labels, float[] Scores) Expected(byte[] photo, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        using var image = Image.Load<Rgb24>(photo);
        var sums = new double[3];
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (var p in rows.GetRowSpan(y))
                {
                    sums[0] += p.R;
                    sums[1] += p.G;
                    sums[2] += p.B;
                }
            }
        });
        var pixels = (double)image.Width * image.Height;
        var probabilities = SampleModels.ChannelClassifierReference([.. sums.Select(s => s / pixels / 255)]);
        var order = Enumerable.Range(0, 3).OrderByDescending(i => probabilities[i]).ToArray();
        return ([.. order.Select(i => labels[i])], [.. order.Select(i => probabilities[i])]);
    }
}
