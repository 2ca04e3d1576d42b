namespace DeepSharp;

/// <summary>A layer that has no ONNX form, and why, as <see cref="OnnxExportException"/> lists it.</summary>
/// <param name="LayerName">The layer's name in the model ("model/dense" for a layer of a nested model).</param>
/// <param name="ClassName">The layer's class ("Lambda", "LSTM").</param>
/// <param name="Reason">Why it cannot be written.</param>
public sealed record OnnxUnexportableLayer(string LayerName, string ClassName, string Reason);
