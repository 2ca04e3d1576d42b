namespace DeepSharp;

/// <summary>
/// ONNX import as a member of <see cref="Model"/>: <c>Model.LoadOnnx("model.onnx")</c>. Declared here, in the
/// Interop layer, so that Models does not depend on the layer above it.
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
}
