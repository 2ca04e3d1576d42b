using System.Text.Json.Nodes;
using PureHDF.VOL.Native;

namespace DeepSharp;

/// <summary>
/// Builds a DeepSharp model from a translated Keras configuration and a Keras weights file. Before any
/// weight is allocated, every layer's weights are worked out from the configuration (on layers not yet
/// built) and matched, array by array, with the shapes the file declares; so the model only allocates
/// what the file holds, and a configuration that disagrees with its weights is refused with the layer named.
/// </summary>
internal static class KerasModelLoader
{
    /// <summary>An array in the weights file, with the shape it declares and where it is (for messages).</summary>
    internal readonly record struct StoredArray(NativeDataset Dataset, long[] Shape, string Where);

    /// <summary>Finds the stored arrays of one of the model's layers.</summary>
    internal interface IWeightSource
    {
        /// <summary>The file the arrays are read from.</summary>
        KerasH5 File { get; }

        /// <summary>
        /// The arrays of the layer named <paramref name="layerName"/>, at Keras 3 path <paramref name="path"/>
        /// whose groups DeepSharp expects to be <paramref name="groups"/>, in DeepSharp's weight order.
        /// </summary>
        List<StoredArray> ArraysOf(string layerName, string path, List<KerasWeightLayout.Group> groups);
    }

    private readonly record struct Planned(string LayerName, List<StoredArray> Arrays);

    /// <summary>Recreates the model of <paramref name="config"/> and sets its weights from <paramref name="source"/>.</summary>
    internal static Model Load(KerasModelConfig config, IWeightSource source)
    {
        var plan = Plan(config, source);
        Model model;
        try
        {
            model = LayerRegistry.Create(config.Model) as Model
                ?? throw new FormatException("the configuration does not describe a model.");
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"the model cannot be rebuilt: {e.Message}", e);
        }
        var byName = model.Layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        foreach (var (layerName, arrays) in plan)
        {
            var weights = byName[layerName].Weights;
            if (weights.Count != arrays.Count)
                throw new InvalidOperationException($"Keras reader: layer '{layerName}' was built with {weights.Count} weights but {arrays.Count} were planned.");
            for (int i = 0; i < arrays.Count; i++)
            {
                var (dataset, shape, where) = arrays[i];
                if (!SameShape(weights[i].Shape, shape))
                    throw new InvalidOperationException($"Keras reader: {where} was planned as {Show(shape)} but the layer built {weights[i].Shape}.");
                weights[i].CopyFrom(source.File.ReadFloats(dataset, where));
            }
        }
        return model;
    }

    private static List<Planned> Plan(KerasModelConfig config, IWeightSource source)
    {
        var entries = config.Layers;
        var layers = new List<Layer>(entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = (JsonObject)entries[i]!;
            try
            {
                // A functional model's entries also hold the layer's name and calls (read by FunctionalInputShapes).
                var reader = new ConfigReader(entry, "A Keras layer");
                reader.Known("name", "inbound_nodes");
                layers.Add(reader.Finish(LayerRegistry.Create(reader)));
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"layer '{entry["config"]?["name"]}' ({config.KerasClasses[i]}): {e.Message}", e);
            }
        }
        var inputs = config.IsFunctional ? FunctionalInputShapes(entries, layers) : SequentialInputShapes(layers);
        var paths = KerasWeightLayout.LayerPaths(config.KerasClasses);
        var plan = new List<Planned>();
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (layer is Input) continue;
            var input = inputs[i] ?? throw new FormatException($"layer '{layer.Name}' ({layer.ClassName}) is never called in the model's graph.");
            var groups = KerasWeightLayout.Groups(layer, input.WithUnknownAs(1), paths[i]); // weights never depend on an unknown (None) dimension
            var arrays = source.ArraysOf(layer.Name, paths[i], groups);
            var expected = KerasWeightLayout.Flatten(groups);
            if (arrays.Count != expected.Length)
                throw new FormatException($"layer '{layer.Name}' ({layer.ClassName}) has {expected.Length} weights but the file holds {arrays.Count} for it.");
            for (int w = 0; w < expected.Length; w++)
                if (!expected[w].SequenceEqual(arrays[w].Shape))
                    throw new FormatException(
                        $"layer '{layer.Name}' ({layer.ClassName}): {arrays[w].Where} has shape {Show(arrays[w].Shape)} but the configuration gives the layer a weight of {Show(expected[w])}.");
            foreach (var (dataset, shape, where) in arrays) source.File.Reserve(dataset, shape, where);
            plan.Add(new Planned(layer.Name, arrays));
        }
        return plan;
    }

    private static PartialShape?[] SequentialInputShapes(List<Layer> layers)
    {
        var shapes = new PartialShape?[layers.Count];
        var shape = layers[0].DeclaredInputShape ?? throw new FormatException($"layer '{layers[0].Name}' has no input shape.");
        for (int i = 0; i < layers.Count; i++)
        {
            shapes[i] = shape;
            shape = OutputShape(layers[i], [shape]);
        }
        return shapes;
    }

    /// <summary>The per-sample input shape of each layer's first call, walking the saved graph as Keras rebuilds it.</summary>
    private static PartialShape?[] FunctionalInputShapes(JsonArray entries, List<Layer> layers)
    {
        var shapes = new PartialShape?[layers.Count];
        var produced = new Dictionary<(string, int), PartialShape>();
        var calls = new int[layers.Count];
        var pending = new List<(int Layer, JsonArray Node)>();
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is Input input) produced[(input.Name, calls[i]++)] = input.Shape;
            else foreach (var node in (JsonArray)entries[i]!["inbound_nodes"]!) pending.Add((i, (JsonArray)node!));
        }
        while (pending.Count > 0)
        {
            int before = pending.Count;
            for (int p = 0; p < pending.Count; p++)
            {
                var (i, node) = pending[p];
                if (pending.Take(p).Any(q => q.Layer == i)) continue;
                var args = new List<PartialShape>();
                foreach (var reference in node)
                {
                    var key = (reference![0]!.GetValue<string>(), reference[1]!.GetValue<int>());
                    if (reference[2]!.GetValue<int>() != 0)
                        throw new FormatException($"layer '{layers[i].Name}' reads output {reference[2]} of '{key.Item1}'; DeepSharp layers have one output.");
                    if (!produced.TryGetValue(key, out var shape)) break;
                    args.Add(shape);
                }
                if (args.Count < node.Count) continue;
                shapes[i] ??= args.Count == 1 ? args[0] : (PartialShape?)null;
                produced[(layers[i].Name, calls[i]++)] = OutputShape(layers[i], args);
                pending.RemoveAt(p--);
            }
            if (pending.Count == before)
                throw new FormatException($"the graph cannot be rebuilt: layer '{layers[pending[0].Layer].Name}' is fed by a layer call that never happens.");
        }
        // Merge layers have no weights; any shape marks them as called.
        for (int i = 0; i < layers.Count; i++)
            if (shapes[i] is null && layers[i] is MergeLayer && calls[i] > 0) shapes[i] = new TensorShape([1]);
        return shapes;
    }

    private static PartialShape OutputShape(Layer layer, List<PartialShape> inputs)
    {
        try
        {
            if (layer is MergeLayer merge) return merge.ComputeOutputShape(inputs.ToArray());
            if (inputs.Count != 1) throw new FormatException($"layer '{layer.Name}' ({layer.ClassName}) is not a merge layer but is called on {inputs.Count} tensors.");
            return layer.ComputeOutputShape(inputs[0]);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"layer '{layer.Name}' ({layer.ClassName}) cannot take its inputs: {e.Message}", e);
        }
    }

    private static bool SameShape(TensorShape shape, long[] dims)
    {
        if (shape.Rank != dims.Length) return false;
        for (int i = 0; i < dims.Length; i++) if (shape[i] != dims[i]) return false;
        return true;
    }

    internal static string Show(long[] shape) => "(" + string.Join(", ", shape) + ")";
}
