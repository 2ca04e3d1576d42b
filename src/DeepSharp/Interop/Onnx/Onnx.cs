using Google.Protobuf;
using DeepSharp.Interop.Onnx;

namespace DeepSharp;

/// <summary>
/// ONNX models in DeepSharp: <see cref="Load(string, OnnxImportOptions?)"/> turns an ONNX graph into a
/// functional <see cref="Model"/> that predicts, trains further and saves in DeepSharp's format, and
/// <see cref="Save(Model, string, OnnxExportOptions?)"/> writes a model as ONNX for ONNX Runtime, ML.NET and
/// other frameworks.
/// </summary>
/// <remarks>
/// Nodes that have a Keras-style layer become that layer (Gemm and MatMul+Add become Dense, Conv becomes
/// Conv2D, BatchNormalization, the poolings, LSTM, GRU and RNN their layers); every other node becomes an
/// <see cref="OnnxNode"/> layer that runs it on DeepSharp's differentiable Ops. The initializers become the
/// layers' weights, trainable when they are float parameters. Graphs of 2-D convolutions exported in NCHW
/// (PyTorch) are converted to take NHWC images, as Keras models do (see <see cref="OnnxImportOptions.ChannelsLast"/>).
/// Every file that cannot be loaded — not ONNX, damaged, or using operators DeepSharp does not support — is
/// refused with an <see cref="InvalidDataException"/> before anything runs; for unsupported operators its
/// inner exception is an <see cref="OnnxUnsupportedException"/> that lists every one of them.
/// </remarks>
public static class Onnx
{
    /// <summary>Imports the ONNX model at <paramref name="path"/>.</summary>
    /// <param name="path">An .onnx file.</param>
    /// <param name="options">How to import it; null for the defaults.</param>
    public static Model Load(string path, OnnxImportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Onnx.Load: '{path}' does not exist.", path);
        return Import(File.ReadAllBytes(path), Path.GetFileName(path), options);
    }

    /// <summary>
    /// Writes <paramref name="model"/> (a Sequential or functional model, nested models included) as an ONNX file
    /// at <paramref name="path"/>; see <see cref="Export(Model, OnnxExportOptions?)"/>. The file is replaced only
    /// once it is complete.
    /// </summary>
    /// <param name="model">The model to write; it must be built.</param>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="options">How to write it; null for the defaults (opset 17).</param>
    public static void Save(Model model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.WriteAllBytes(path, Export(model, options));
    }

    /// <summary>
    /// The bytes of an ONNX model that computes what <paramref name="model"/>'s Predict computes: the same inputs
    /// (channels-last images, batch-major sequences; float32, any batch size) and the same outputs, named after
    /// the model's Input layers ("input" for a Sequential without one) and the layers that compute them.
    /// </summary>
    /// <remarks>
    /// Layers are written in their inference form: dropout is left out, batch normalization uses its moving
    /// statistics. Convolutions run on ONNX's NCHW between transposes placed where the layout changes; recurrent
    /// layers run time-major. Layers imported from ONNX (<see cref="OnnxNode"/>) are written back as the nodes
    /// they are. A layer with no ONNX form (a custom layer, a custom activation, a recurrent layer fed a step
    /// mask) is refused with an <see cref="OnnxExportException"/> that lists every such layer.
    /// </remarks>
    /// <param name="model">The model to write; it must be built.</param>
    /// <param name="options">How to write it; null for the defaults (opset 17).</param>
    public static byte[] Export(Model model, OnnxExportOptions? options = null) =>
        OnnxExporter.Export(model, options ?? new OnnxExportOptions()).ToByteArray();

    /// <summary>Imports an ONNX model from its bytes; <paramref name="source"/> names it in messages and in the model's name.</summary>
    /// <param name="model">The bytes of an ONNX model (a serialized ModelProto).</param>
    /// <param name="source">What to call the model in messages ("model.onnx").</param>
    /// <param name="options">How to import it; null for the defaults.</param>
    public static Model Import(ReadOnlySpan<byte> model, string source = "model.onnx", OnnxImportOptions? options = null)
    {
        var graph = OnnxModelReader.Read(model, source);
        return OnnxImporter.ImportModel(graph, options ?? new OnnxImportOptions());
    }
}
