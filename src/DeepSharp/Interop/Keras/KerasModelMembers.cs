namespace DeepSharp;

/// <summary>
/// Keras files as members of <see cref="Model"/>: <c>Model.LoadKeras("model.keras")</c> and
/// <c>model.SaveKeras("model.keras")</c>. Declared here, in the Interop layer, so that Models does not depend on
/// the layer above it.
/// </summary>
public static class KerasModelMembers
{
    extension(Model)
    {
        /// <summary>Reads a Keras 3 <c>.keras</c> archive or a Keras 2 <c>.h5</c> file; see <see cref="KerasFile.Load(string)"/>.</summary>
        /// <param name="path">The Keras model file.</param>
        public static Model LoadKeras(string path) => KerasFile.Load(path);
    }

    extension(Model model)
    {
        /// <summary>Writes the model as a Keras 3 <c>.keras</c> archive; see <see cref="KerasFile.Save(Model, string)"/>.</summary>
        /// <param name="path">The file to write.</param>
        public void SaveKeras(string path) => KerasFile.Save(model, path);
    }
}
