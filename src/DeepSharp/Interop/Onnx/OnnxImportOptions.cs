namespace DeepSharp;

/// <summary>How <see cref="Onnx.Load(string, OnnxImportOptions?)"/> turns an ONNX graph into a DeepSharp model.</summary>
public sealed class OnnxImportOptions
{
    /// <summary>
    /// Whether a graph of 2-D convolutions in ONNX's channels-first layout (NCHW, as PyTorch exports them)
    /// becomes a model that takes and gives images channels-last (NHWC), as Keras and DeepSharp lay them out:
    /// every 4-D input of such a graph is then (batch, height, width, channels), and so is every 4-D output.
    /// True by default; false keeps ONNX's layout for inputs and outputs.
    /// </summary>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>
    /// Whether nodes that have a Keras-style layer become that layer (Gemm/MatMul+Add → Dense, Conv → Conv2D,
    /// LSTM → LSTM, ...) rather than a generic <see cref="OnnxNode"/>. True by default: the model then reads
    /// like a Keras model, runs on DeepSharp's fused kernels, and trains with Keras' semantics (dropout and
    /// batch normalization active in Fit).
    /// </summary>
    public bool RecognizeLayers { get; init; } = true;

    /// <summary>
    /// Per-sample shapes (without the batch) for inputs whose ONNX shape has named dimensions besides the batch,
    /// such as a sequence length: a DeepSharp model's inputs have fixed sample shapes. Keyed by input name, in
    /// ONNX's layout.
    /// </summary>
    public IReadOnlyDictionary<string, int[]>? InputShapes { get; init; }
}
