namespace DeepSharp.Cli;

/// <summary>
/// The model files the commands read and write: DeepSharp's own (<c>.dsm</c>, safetensors with the model's JSON), ONNX
/// (<c>.onnx</c>) and Keras 3's archive (<c>.keras</c>); Keras 2's <c>.h5</c> files are read too. A file is read as what
/// its first bytes say it is, whatever its name; a file is written in the format its name ends with.
/// </summary>
public static class ModelFile
{
    /// <summary>The formats a model can be written in, by the extension that selects them.</summary>
    public static IReadOnlyList<string> WriteExtensions { get; } = [".dsm", ".onnx", ".keras"];

    /// <summary>What a model file is, for messages: "a DeepSharp model (.dsm)", "an ONNX model (.onnx)".</summary>
    public static string Describe(ModelFileFormat format) => format switch
    {
        ModelFileFormat.DeepSharp => "a DeepSharp model (.dsm)",
        ModelFileFormat.Onnx => "an ONNX model (.onnx)",
        ModelFileFormat.KerasArchive => "a Keras archive (.keras)",
        _ => "a Keras 2 HDF5 file (.h5)",
    };

    /// <summary>
    /// The format of the file at <paramref name="path"/>, from its first bytes: a safetensors header is DeepSharp's,
    /// a zip archive Keras 3's, an HDF5 signature Keras 2's; anything else is taken for ONNX's protobuf (which has no
    /// signature), and its reader refuses it when it is not.
    /// </summary>
    public static ModelFileFormat Sniff(string path)
    {
        Span<byte> head = stackalloc byte[9];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..read];
        if (head.Length == 9 && head[8] == (byte)'{') return ModelFileFormat.DeepSharp; // an 8-byte header length, then JSON
        if (head.StartsWith("PK\u0003\u0004"u8)) return ModelFileFormat.KerasArchive;
        if (head.Length >= 4 && head[0] == 0x89 && head[1..4].SequenceEqual("HDF"u8)) return ModelFileFormat.KerasHdf5;
        return ModelFileFormat.Onnx;
    }

    /// <summary>Loads the model at <paramref name="path"/> (a .dsm, .onnx, .keras or .h5 file, told apart by its contents).</summary>
    public static Model Load(string path)
    {
        CommandLine.RequireFile(path, "the model file");
        return Sniff(path) switch
        {
            ModelFileFormat.DeepSharp => Model.Load(path),
            ModelFileFormat.Onnx => Model.LoadOnnx(path),
            _ => Model.LoadKeras(path),
        };
    }

    /// <summary>The format <paramref name="path"/>'s extension selects for writing; a usage error for any other name.</summary>
    public static ModelFileFormat WriteFormat(string path, string what) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".dsm" => ModelFileFormat.DeepSharp,
        ".onnx" => ModelFileFormat.Onnx,
        ".keras" => ModelFileFormat.KerasArchive,
        ".h5" => throw new UsageException($"{what} '{path}': Keras 2 .h5 files are read, not written; write a Keras 3 archive (.keras)."),
        var other => throw new UsageException($"{what} '{path}': expected a name ending in {string.Join(", ", WriteExtensions)} " +
            $"(the format to write), not '{(other.Length == 0 ? "no extension" : other)}'."),
    };

    /// <summary>Writes <paramref name="model"/> as <paramref name="format"/> at <paramref name="path"/>, atomically; ONNX at <paramref name="opset"/>.</summary>
    public static void Save(Model model, string path, ModelFileFormat format, int opset = OnnxExportOptions.DefaultOpset)
    {
        switch (format)
        {
            case ModelFileFormat.DeepSharp: model.Save(path); break;
            case ModelFileFormat.Onnx: model.SaveOnnx(path, new OnnxExportOptions { Opset = opset }); break;
            case ModelFileFormat.KerasArchive: model.SaveKeras(path); break;
            default: throw new UsageException($"'{path}': this version of deepsharp does not write {Describe(format)}.");
        }
    }
}
