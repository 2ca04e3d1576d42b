using PureHDF.VOL.Native;

namespace DeepSharp;

/// <summary>
/// Keras 2's <c>.h5</c> model file (keras/saving/legacy/hdf5_format.py, and Keras 3's legacy_h5_format):
/// the root attributes <c>model_config</c> (the model as JSON), <c>keras_version</c> and <c>backend</c>, and the
/// group <c>model_weights</c> whose attribute <c>layer_names</c> lists the layers; each layer's group names its
/// arrays in <c>weight_names</c> (<c>dense/kernel:0</c>, read as paths below the group), an empty float array
/// for a layer without weights. The arrays are in the layer's weight order (trainable, then the others).
/// </summary>
internal static class KerasLegacyH5
{
    /// <summary>Reads the model of a Keras 2 <c>.h5</c> file held in <paramref name="stream"/>.</summary>
    internal static Model Read(Stream stream)
    {
        using var h5 = KerasH5.Open(stream, "the HDF5 file");
        string text = h5.StringAttribute(h5.Root, "model_config")
            ?? throw new FormatException("the HDF5 file has no 'model_config' attribute, so it holds weights only, not a Keras model.");
        string? version = h5.StringAttribute(h5.Root, "keras_version");
        int kerasMajor = version is not null && version.StartsWith('3') ? 3 : 2;
        var model = KerasModelConfig.Read(KerasJson.ParseObject(text, "model_config"), kerasMajor);
        var weights = h5.Group(h5.Root, "model_weights") ?? throw new FormatException("the file has no 'model_weights' group.");
        var listed = h5.StringListAttribute(weights, "layer_names") ?? throw new FormatException("'model_weights' has no 'layer_names'.");
        var source = new Keras2Weights(h5, weights, listed);
        var loaded = KerasModelLoader.Load(model, source);
        foreach (var name in listed)
            if (!source.Used.Contains(name) && h5.Group(weights, name) is { } group && (h5.StringListAttribute(group, "weight_names")?.Length ?? 0) > 0)
                throw new FormatException($"'model_weights' holds weights for layer '{name}', which the model configuration does not have.");
        return loaded;
    }

    /// <summary>Keras 2's weights: a group per layer, its arrays listed by name.</summary>
    private sealed class Keras2Weights(KerasH5 file, NativeGroup weights, string[] listed) : KerasModelLoader.IWeightSource
    {
        public KerasH5 File => file;

        public HashSet<string> Used { get; } = new(StringComparer.Ordinal);

        public List<KerasModelLoader.StoredArray> ArraysOf(string layerName, string path, List<KerasWeightLayout.Group> groups)
        {
            Used.Add(layerName);
            var arrays = new List<KerasModelLoader.StoredArray>();
            bool expectsWeights = groups.Any(g => g.Shapes.Length > 0);
            if (!listed.Contains(layerName))
            {
                if (expectsWeights) throw new FormatException($"layer '{layerName}' is not in 'model_weights' layer_names.");
                return arrays;
            }
            var group = file.Group(weights, layerName);
            if (group is null)
            {
                if (expectsWeights) throw new FormatException($"'model_weights' has no group for layer '{layerName}'.");
                return arrays;
            }
            var names = file.StringListAttribute(group, "weight_names") ?? throw new FormatException($"'model_weights/{layerName}' has no 'weight_names'.");
            foreach (var name in names)
            {
                string where = $"'model_weights/{layerName}/{name}'";
                var dataset = file.Dataset(group, name) ?? throw new FormatException($"layer '{layerName}': {where} is listed in weight_names but missing.");
                arrays.Add(new(dataset, file.FloatShape(dataset, where), where));
            }
            return arrays;
        }
    }
}
