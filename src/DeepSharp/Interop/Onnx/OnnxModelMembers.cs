namespace DeepSharp;

/// <summary>
/// ONNX import and export as members of <see cref="Model"/>: <c>Model.LoadOnnx("model.onnx")</c> and
/// <c>model.SaveOnnx("model.onnx")</c>. Declared here, in the Interop layer, so that Models does not depend on the
/// layer above it.
/// </summary>
public static class OnnxModelMembers
{
    extension(Model)
    {
        /// <summary>Imports the ONNX model at <paramref name="path"/>; see <see cref="Onnx.Load(string, OnnxImportOptions?)"/>.</summary>
        /// <param name="path">An .onnx file.</param>
        /// <param name="options">How to import it; null for the defaults.</param>
        public static Model LoadOnnx(string path, OnnxImportOptions? options = null) => Onnx.Load(path, options);
    }

    extension(Model model)
    {
        /// <summary>Writes the model as an ONNX file; see <see cref="Onnx.Export(Model, OnnxExportOptions?)"/>.</summary>
        /// <param name="path">The .onnx file to write.</param>
        /// <param name="options">How to write it; null for the defaults (opset 17).</param>
        public void SaveOnnx(string path, OnnxExportOptions? options = null) => Onnx.Save(model, path, options);
    }
}
