using EdgeAi.Common.Onnx;
using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Inputs;

/// <summary>
/// How images become the model's input tensor: a pipeline's resize and normalize steps. value = (pixel × Scale −
/// Mean[c]) / Std[c] per tensor channel c (channels BGR when <paramref name="Bgr"/>); Mean and Std hold none, one or
/// three values; the tensor's datatype is the model input's (FP32, FP16 or UINT8).
/// </summary>
/// <param name="Letterbox">Fit keeping the aspect ratio, the rest <paramref name="Fill"/> (0–255); else stretch.</param>
/// <param name="Input">The model input the image feeds; null: the model's only input.</param>
public sealed record ImagePreprocessing(
    int Width, int Height, bool Letterbox, int Fill, float Scale, float[] Mean, float[] Std, bool Bgr, bool Nhwc, string? Input);

/// <summary>
/// A calibration directory: <c>.npy</c> tensors, or JPEG/PNG images through a pipeline's pre-processing.
/// <list type="bullet">
/// <item>One-input model: each <c>*.npy</c> file is a sample (a file with a batch of N, where the model's batch is 1 or
/// symbolic, is N samples), or each <c>*.jpg</c>/<c>*.jpeg</c>/<c>*.png</c> is one, pre-processed with the given
/// <see cref="ImagePreprocessing"/> or the directory's <c>preprocess.json</c>.</item>
/// <item>Several inputs: one sub-folder per sample holding <c>{inputName}.npy</c> for every input, batch 1 each. (A
/// one-input model takes this layout too, when the directory holds no loose samples.)</item>
/// </list>
/// Samples are ordered by file name (ordinal); hidden files, <c>preprocess.json</c> and files of other types are
/// ignored (and counted in <see cref="ICalibrationSource.Description"/>); a mix of .npy files and images is refused.
/// Every file's header is checked against the model's inputs when the directory is opened; the data are read one
/// sample at a time.
/// </summary>
public static class CalibrationDirectory
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png"];

    /// <summary>
    /// Reads a pre-processing file in the <c>preprocess.json</c> format (camelCase fields of <see cref="ImagePreprocessing"/>;
    /// an unknown field is an error). Throws <see cref="QuantizationException"/> naming the file and what is wrong.
    /// </summary>
    public static ImagePreprocessing ReadPreprocessing(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return File.Exists(path) ? PreprocessFile.Read(path) : throw new QuantizationException($"pre-processing file {path} does not exist");
    }

    /// <summary>
    /// Opens <paramref name="directory"/> for <paramref name="model"/>; images need <paramref name="images"/> or a
    /// <c>preprocess.json</c> in the directory. Throws <see cref="QuantizationException"/> for an empty set, tensors of the
    /// wrong shape or datatype, or images with no pre-processing.
    /// </summary>
    public static ICalibrationSource Open(string directory, byte[] model, ImagePreprocessing? images)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(model);
        if (!Directory.Exists(directory))
        {
            throw new QuantizationException(File.Exists(directory)
                ? $"calibration directory {directory} is a file; give a directory of .npy files or images"
                : $"calibration directory {directory} does not exist");
        }
        var inputs = ModelInputs.Read(model);
        var listing = Listing.Of(directory);
        if (listing.Npy.Count > 0 && listing.Images.Count > 0)
        {
            throw new QuantizationException(
                $"{directory} holds {listing.Npy.Count} .npy files and {listing.Images.Count} images ({listing.Npy[0]}, {listing.Images[0]}); a calibration set is one kind: put them in separate directories");
        }
        if (listing.Images.Count > 0)
        {
            return OpenImages(directory, inputs, images, listing);
        }
        if (listing.Npy.Count > 0)
        {
            if (inputs.Count != 1)
            {
                throw new QuantizationException(
                    $"{directory} holds {listing.Npy.Count} .npy files, but the model has {inputs.Count} inputs ({string.Join(", ", inputs.Select(ModelInputs.Describe))}): "
                    + $"put each sample in its own sub-folder holding {string.Join(", ", inputs.Select(i => i.Name + ".npy"))}");
            }
            var samples = listing.Npy.SelectMany(f => NpySamples.OfFile(Path.Combine(directory, f), inputs[0])).ToList<ISampleEntry>();
            return new DirectorySource(samples, $"{Count(samples.Count, "sample")} from {Count(listing.Npy.Count, ".npy file")} in {directory}{listing.IgnoredNote()}");
        }
        if (listing.Folders.Count > 0)
        {
            var samples = listing.Folders.Select(f => (ISampleEntry)NpySamples.OfFolder(Path.Combine(directory, f), inputs)).ToList();
            return new DirectorySource(samples, $"{Count(samples.Count, "sample folder")} in {directory}{listing.IgnoredNote()}");
        }
        var expected = inputs.Count == 1
            ? $"one .npy file per sample for input {ModelInputs.Describe(inputs[0])}, or .jpg/.jpeg/.png images"
            : $"one sub-folder per sample holding {string.Join(", ", inputs.Select(i => i.Name + ".npy"))}";
        throw new QuantizationException($"no calibration samples in {directory}{listing.IgnoredNote()}: expected {expected}");
    }

    private static DirectorySource OpenImages(string directory, IReadOnlyList<OnnxTensorInfo> inputs, ImagePreprocessing? images, Listing listing)
    {
        var file = Path.Combine(directory, PreprocessFile.Name);
        ImageRecipe recipe;
        if (images is not null)
        {
            recipe = ImageRecipe.For(images, inputs, "given");
        }
        else if (File.Exists(file))
        {
            recipe = ImageRecipe.For(PreprocessFile.Read(file), inputs, file);
        }
        else
        {
            throw new QuantizationException(
                $"{Count(listing.Images.Count, "image")} in {directory} but no pre-processing: pass --pipeline NAME or add {PreprocessFile.Name} "
                + "(e.g. {\"width\": 224, \"height\": 224, \"scale\": 0.00392157, \"mean\": [0.485, 0.456, 0.406], \"std\": [0.229, 0.224, 0.225]})");
        }
        var samples = listing.Images.Select(f => (ISampleEntry)ImageSample.Open(Path.Combine(directory, f), recipe)).ToList();
        var via = images is not null ? "" : $" via {PreprocessFile.Name}";
        return new DirectorySource(samples, $"{Count(samples.Count, "image")} in {directory}{via} ({recipe.Describe()}){listing.IgnoredNote()}");
    }

    internal static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    /// <summary>A directory's entries by kind, each list in ordinal order of names.</summary>
    private sealed record Listing(List<string> Npy, List<string> Images, List<string> Folders, List<string> Ignored)
    {
        public static Listing Of(string directory)
        {
            var listing = new Listing([], [], [], []);
            var info = new DirectoryInfo(directory);
            foreach (var entry in info.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var name = entry.Name;
                if (name.StartsWith('.'))
                {
                    continue;
                }
                if (entry is DirectoryInfo)
                {
                    listing.Folders.Add(name);
                }
                else if (name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
                {
                    listing.Npy.Add(name);
                }
                else if (ImageExtensions.Any(x => name.EndsWith(x, StringComparison.OrdinalIgnoreCase)))
                {
                    listing.Images.Add(name);
                }
                else if (name != PreprocessFile.Name)
                {
                    listing.Ignored.Add(name);
                }
            }
            return listing;
        }

        /// <summary>"; ignored: README.md, labels.txt" (sub-folders too, where loose samples are used).</summary>
        public string IgnoredNote()
        {
            var ignored = Npy.Count + Images.Count > 0 ? [.. Ignored, .. Folders.Select(f => f + "/")] : Ignored;
            return ignored.Count == 0 ? "" : $" (ignored: {string.Join(", ", ignored.Take(5))}{(ignored.Count > 5 ? $" and {ignored.Count - 5} more" : "")})";
        }
    }
}
