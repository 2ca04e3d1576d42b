namespace DeepSharp;

/// <summary>How <see cref="Onnx.Export(Model, OnnxExportOptions?)"/> writes a model as ONNX.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>The opset written by default: 17, which ONNX Runtime, ML.NET and Keras-style exporters (tf2onnx writes 13 to 17) all read.</summary>
    public const int DefaultOpset = 17;

    /// <summary>The lowest opset an export can be written for.</summary>
    public const int MinOpset = 13;

    /// <summary>The highest opset an export can be written for.</summary>
    public const int MaxOpset = 21;

    /// <summary>The version of ONNX's operator set the model is written for, from <see cref="MinOpset"/> to <see cref="MaxOpset"/>.</summary>
    public int Opset { get; init; } = DefaultOpset;

    /// <summary>The name of the batch dimension of the model's inputs and outputs ("batch"); any batch size runs.</summary>
    public string BatchDimension { get; init; } = "batch";
}
