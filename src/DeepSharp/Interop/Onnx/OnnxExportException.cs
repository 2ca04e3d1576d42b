namespace DeepSharp;

/// <summary>
/// Why a model cannot be exported to ONNX: every layer that has no ONNX form, listed at once with the reason,
/// before anything is written.
/// </summary>
public sealed class OnnxExportException : NotSupportedException
{
    /// <summary>Creates the exception for model <paramref name="model"/> and the listed layers.</summary>
    public OnnxExportException(string model, IReadOnlyList<OnnxUnexportableLayer> layers)
        : base(Describe(model, layers)) => Layers = layers;

    /// <summary>Every layer that cannot be exported, in the order the model runs them.</summary>
    public IReadOnlyList<OnnxUnexportableLayer> Layers { get; }

    private static string Describe(string model, IReadOnlyList<OnnxUnexportableLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var lines = string.Join(Environment.NewLine, layers.Select(l => $"  {l.ClassName} '{l.LayerName}': {l.Reason}"));
        return $"Onnx.Export: model '{model}' has {layers.Count} layer(s) with no ONNX form:{Environment.NewLine}{lines}";
    }
}
