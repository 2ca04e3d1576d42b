using System.IO.Compression;

namespace DeepSharp.Cli.Prediction;

/// <summary>
/// Reads what <c>deepsharp predict</c> is given: a PNG image, a folder of them, an IDX file of images (plain or gzip, as
/// the datasets are published) or a safetensors file. The kind is told by the file's first bytes, not its name.
/// </summary>
public static class PredictionInputs
{
    /// <summary>The IDX element type of unsigned bytes: pixels 0 to 255, scaled to [0, 1] as the datasets' loaders do.</summary>
    private const byte IdxUnsignedByte = 0x08;

    /// <summary>
    /// The inputs in <paramref name="typed"/> (a path as the user typed it). <paramref name="images"/> says how the model
    /// takes images (asked for only when there are images); <paramref name="tensorName"/> picks a safetensors file's
    /// tensor; <paramref name="limit"/> keeps the first inputs of an IDX or safetensors file (0: all).
    /// </summary>
    public static PredictionBatch Read(string typed, Func<ModelImageInput> images, string? tensorName, int limit)
    {
        if (Directory.Exists(typed)) return ReadFolder(typed, images());
        CommandLine.RequireFile(typed, "the input");
        return KindOf(typed) switch
        {
            Kind.Png => ReadPngs([typed], images()),
            Kind.Idx => ReadIdx(typed, images(), limit),
            _ => ReadSafeTensors(typed, tensorName, limit),
        };
    }

    private enum Kind { Png, Idx, SafeTensors }

    private static Kind KindOf(string path)
    {
        Span<byte> start = stackalloc byte[9];
        int read;
        using (var file = File.OpenRead(path)) read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        start = start[..read];
        if (start.StartsWith(PngImage.Signature)) return Kind.Png;
        if (read >= 2 && ((start[0] == 0x1F && start[1] == 0x8B) || (start[0] == 0 && start[1] == 0))) return Kind.Idx;
        // safetensors: a little-endian 64-bit header length, then the JSON header.
        if (read == 9 && start[8] == (byte)'{') return Kind.SafeTensors;
        throw new InvalidDataException($"the input '{path}' is neither a PNG image, an IDX file nor a safetensors file (judged by its first bytes).");
    }

    private static PredictionBatch ReadFolder(string folder, ModelImageInput images)
    {
        var files = Directory.EnumerateFiles(folder)
            .Where(file => file.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0) throw new InvalidDataException($"the folder '{folder}' holds no .png files.");
        foreach (var file in files)
            if (KindOf(file) != Kind.Png) throw new InvalidDataException($"'{file}' is called .png but is not a PNG image.");
        return ReadPngs(files, images);
    }

    private static PredictionBatch ReadPngs(IReadOnlyList<string> files, ModelImageInput images)
    {
        int perImage = images.SampleShape.Size;
        var values = new float[files.Count * perImage];
        for (int i = 0; i < files.Count; i++)
        {
            var png = PngImage.Read(files[i], $"'{files[i]}'");
            images.CheckSize(png.Height, png.Width, $"'{files[i]}'");
            images.Convert(png.Pixels, 1, png.Channels).CopyTo(values, i * perImage);
        }
        return new PredictionBatch(files, images.Batch(values, files.Count));
    }

    private static PredictionBatch ReadIdx(string path, ModelImageInput images, int limit)
    {
        using var all = Idx.Read(path);
        var shape = all.Shape;
        int channels = shape.Rank == 4 ? shape[3] : 1;
        if (shape.Rank is not (3 or 4) || channels is not (1 or 3))
            throw new InvalidDataException($"the IDX file '{path}' holds an array of shape {shape}, not images (N, height, width); " +
                "a labels file holds one number per image.");
        images.CheckSize(shape[1], shape[2], $"each image in '{path}'");
        int count = limit > 0 ? Math.Min(limit, shape[0]) : shape[0];
        var pixels = Ops.Slice(all, 0, 0, count).ToArray();
        if (ElementType(path) == IdxUnsignedByte)
            for (int i = 0; i < pixels.Length; i++) pixels[i] /= 255f;
        var names = Enumerable.Range(0, count).Select(i => $"{path}[{i}]").ToList();
        return new PredictionBatch(names, images.Batch(images.Convert(pixels, count, channels), count));
    }

    /// <summary>The IDX file's element type byte (the third of its magic number), read through gzip when compressed.</summary>
    private static byte ElementType(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        file.ReadExactly(magic[..2]);
        file.Position = 0;
        using Stream stream = magic[0] == 0x1F && magic[1] == 0x8B ? new GZipStream(file, CompressionMode.Decompress) : file;
        stream.ReadExactly(magic);
        return magic[2];
    }

    private static PredictionBatch ReadSafeTensors(string path, string? tensorName, int limit)
    {
        using var inputs = SafeTensors.Load(path);
        Tensor x = tensorName is not null ? inputs[tensorName]
            : inputs.Tensors.Count == 1 ? inputs.Tensors.Values.First()
            : inputs.Tensors.TryGetValue("x", out var named) ? named
            : throw new UsageException($"'{path}' holds {inputs.Tensors.Count} tensors ({string.Join(", ", inputs.Tensors.Keys)}); pick one with --name.");
        if (x.Shape.Rank == 0) throw new InvalidDataException($"the tensor in '{path}' is a scalar; predict takes inputs along a first (batch) axis.");
        int count = limit > 0 ? Math.Min(limit, x.Shape[0]) : x.Shape[0];
        // A copy: the file's tensors go with the file.
        var copy = Tensor.FromArray(Ops.Slice(x, 0, 0, count).ToArray(), [count, .. x.Shape.Dims[1..]]);
        return new PredictionBatch(Enumerable.Range(0, count).Select(i => $"{path}[{i}]").ToList(), copy);
    }
}
