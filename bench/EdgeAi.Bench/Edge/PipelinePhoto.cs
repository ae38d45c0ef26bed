using EdgeAi.Testing;
using SixLabors.ImageSharp;

namespace EdgeAi.Bench.Edge;

/// <summary>
/// The real photo the edge mode's pipeline paths run on (from scripts/test-images.sh), with its size and the colour
/// pipeline's answer for it computed without the agent (<see cref="ChannelAnswers"/>): the label the rule's condition
/// asks for, and the answer the pipeline is checked against before it is timed.
/// </summary>
internal sealed record PipelinePhoto(string Name, byte[] Bytes, int Width, int Height, string Label, float Score)
{
    /// <summary>The photo, or null when the test photos are not there (then the pipeline paths are not measured).</summary>
    public static PipelinePhoto? Find(string name, IReadOnlyList<string> labels)
    {
        var path = Path.Combine(TestImages.Directory, name);
        if (!File.Exists(path))
        {
            return null;
        }
        var bytes = File.ReadAllBytes(path);
        var info = Image.Identify(bytes);
        var (expected, scores) = ChannelAnswers.Expected(bytes, labels);
        return new PipelinePhoto(name, bytes, info.Width, info.Height, expected[0], scores[0]);
    }

    /// <summary>Why the pipeline paths were not measured, with the command that fixes it.</summary>
    public static string Missing(string name) => $"{name} is not in artifacts/test-images/: run {TestImages.Script}";

    public string Describe() => $"{Name}, {Width}×{Height} JPEG, {Bytes.Length / 1024} KiB";
}
