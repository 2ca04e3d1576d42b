using System.Text.Json;

namespace DeepSharp;

/// <summary>
/// Keras' model files: Keras 3's <c>.keras</c> archive (config.json, metadata.json, model.weights.h5) and
/// Keras 2's <c>.h5</c> file (model_config attribute and model_weights groups), read into a DeepSharp model
/// that predicts what the Keras model predicts; and DeepSharp models written as <c>.keras</c> archives in the
/// layout Keras 3 loads. Sequential and functional models of every layer DeepSharp has are read; Keras
/// arguments DeepSharp cannot honour (constraints, masks that would travel differently, other dtypes,
/// channels_first, custom classes) are refused with the layer and the argument named. The model comes back
/// uncompiled (as Keras' <c>load_model(compile=False)</c>): compile it to train it further.
/// </summary>
public static class KerasFile
{
    private static ReadOnlySpan<byte> ZipSignature => "PK\x03\x04"u8;

    private static ReadOnlySpan<byte> Hdf5Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Reads a Keras model file, <c>.keras</c> or <c>.h5</c> (told apart by their contents, not their names).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The model, built, with the file's weights.</returns>
    /// <exception cref="InvalidDataException">The file is not a Keras model, is damaged, or holds something DeepSharp cannot represent; the message names the file, the layer and the problem.</exception>
    public static Model Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        return Load(stream, path);
    }

    /// <summary>Reads a Keras model file held in a seekable <paramref name="stream"/>; <paramref name="name"/> names it in messages.</summary>
    internal static Model Load(Stream stream, string name)
    {
        RequireRuntimeCode("KerasFile.Load");
        Span<byte> head = stackalloc byte[8];
        int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        try
        {
            if (got >= 4 && head[..4].SequenceEqual(ZipSignature)) return KerasArchive.Read(stream);
            if (got == 8 && head.SequenceEqual(Hdf5Signature)) return KerasLegacyH5.Read(stream);
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException or InvalidOperationException or OverflowException or InvalidCastException)
        {
            throw new InvalidDataException($"KerasFile.Load: '{name}': {e.Message}", e);
        }
        throw new InvalidDataException($"KerasFile.Load: '{name}' is neither a Keras 3 .keras archive (zip) nor a Keras 2 .h5 file (HDF5).");
    }

    /// <summary>
    /// Writes <paramref name="model"/> as a Keras 3 <c>.keras</c> archive, atomically: config.json in Keras 3's
    /// serialization, metadata.json, and model.weights.h5 with the weights at the paths Keras 3 reads them from.
    /// </summary>
    /// <param name="model">A built Sequential or functional model of layers Keras has.</param>
    /// <param name="path">The file to write (conventionally ending in <c>.keras</c>).</param>
    /// <exception cref="InvalidOperationException">The model is not built, or has a layer or an argument Keras has no form for.</exception>
    public static void Save(Model model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!model.IsBuilt) throw new InvalidOperationException($"SaveKeras: model '{model.Name}' is not built yet; call it on data or give its first layer an input shape.");
        RequireRuntimeCode("KerasFile.Save");
        using var archive = new MemoryStream();
        KerasArchive.Write(model, archive);
        AtomicFile.WriteAllBytes(path, archive.ToArray());
    }

    /// <summary>
    /// Refuses Keras files in a NativeAOT program: their HDF5 library (PureHDF) makes generic methods at run time
    /// (MakeGenericMethod), which an ahead-of-time binary cannot, and would fail deep inside with a message about
    /// missing native code.
    /// </summary>
    private static void RequireRuntimeCode(string caller)
    {
        if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported)
            throw new NotSupportedException(
                $"{caller}: Keras .keras and .h5 files are not available in a NativeAOT program (such as the NativeAOT deepsharp): " +
                "the HDF5 library that reads and writes their weights needs code generated at run time. Convert them with the " +
                "deepsharp dotnet tool or any program on the .NET runtime (to .dsm or .onnx).");
    }

}
