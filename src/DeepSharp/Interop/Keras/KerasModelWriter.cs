using System.Text.Json.Nodes;
using PureHDF;

namespace DeepSharp;

/// <summary>
/// A DeepSharp model as Keras 3 saves one: the serialized model for config.json (Sequential with its
/// InputLayer, or Functional with Keras 3's inbound nodes) and the weights file's groups, named as Keras
/// names them (saving_lib's _save_state). Models or layers Keras has no form for are refused.
/// </summary>
internal static class KerasModelWriter
{
    /// <summary>The serialized model (config.json).</summary>
    internal static JsonObject Config(Model model) => model switch
    {
        Sequential sequential => SequentialConfig(sequential),
        { IsFunctional: true } => FunctionalConfig(model),
        _ => throw new InvalidOperationException(
            $"SaveKeras: model '{model.Name}' ({model.GetType().Name}) is a subclassed model; Keras files hold Sequential and functional models."),
    };

    /// <summary>The weights file: every layer of the model in Keras' order, at Keras' paths.</summary>
    internal static H5File Weights(Model model)
    {
        var file = new H5File { ["vars"] = Vars(model.Name) };
        foreach (var (layer, input, path) in Placed(model))
        {
            var groups = KerasWeightLayout.Groups(layer, input.WithUnknownAs(1), path); // weights never depend on an unknown (None) dimension
            var weights = layer.Weights;
            int next = 0;
            foreach (var group in groups)
            {
                var vars = Vars(GroupName(layer, group.Path, path));
                for (int i = 0; i < group.Shapes.Length; i++, next++)
                {
                    var weight = weights[next];
                    vars[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                        new H5Dataset(weight.ToArray(), fileDims: weight.Shape.ToArray().Select(d => (ulong)d).ToArray());
                }
                GroupAt(file, group.Path)["vars"] = vars;
            }
            if (next != weights.Count)
                throw new InvalidOperationException($"SaveKeras: layer '{layer.Name}' has {weights.Count} weights but Keras' layout places {next}.");
        }
        return file;
    }

    private static JsonObject SequentialConfig(Sequential model)
    {
        var input = model.InputShape ?? throw new InvalidOperationException($"SaveKeras: model '{model.Name}' is not built.");
        var layers = new JsonArray();
        var names = new HashSet<string>(model.Layers.Select(l => l.Name), StringComparer.Ordinal);
        if (model.Layers[0] is not Input)
            layers.Add((JsonNode)KerasLayerConfigs.WriteInput(UniqueName("input_layer", names), input));
        var shape = input;
        foreach (var layer in model.Layers)
        {
            if (layer is Input first)
            {
                layers.Add((JsonNode)KerasLayerConfigs.WriteInput(first.Name, first.Shape));
                continue;
            }
            RequireWritable(layer);
            layers.Add((JsonNode)KerasLayerConfigs.Write(layer, shape));
            shape = layer.ComputeOutputShape(shape);
        }
        var batch = KerasLayerConfigs.BatchShape(input);
        return new JsonObject
        {
            ["module"] = "keras",
            ["class_name"] = "Sequential",
            ["config"] = new JsonObject
            {
                ["name"] = model.Name,
                ["trainable"] = model.Trainable,
                ["dtype"] = "float32",
                ["layers"] = layers,
                ["build_input_shape"] = batch,
            },
            ["registered_name"] = null,
            ["build_config"] = new JsonObject { ["input_shape"] = batch.DeepClone() },
        };
    }

    private static JsonObject FunctionalConfig(Model model)
    {
        var (calls, order) = KerasGraphOrder.Of(model.Inputs, model.Outputs);
        // A layer's calls are numbered in the order Keras will make them: the order of the walk, inputs first.
        var callIndex = new Dictionary<GraphNode, int>(ReferenceEqualityComparer.Instance);
        var callsOf = new Dictionary<Layer, List<GraphNode>>(ReferenceEqualityComparer.Instance);
        foreach (var call in calls)
        {
            if (!callsOf.TryGetValue(call.Layer, out var list)) callsOf[call.Layer] = list = [];
            callIndex[call] = list.Count;
            list.Add(call);
        }
        // Not a collection expression: it would add through JsonArray.Add<T>, which needs reflection (NativeAOT).
        JsonArray History(SymbolicTensor t) => new(JsonValue.Create(t.Layer.Name), JsonValue.Create(callIndex[t.Node]), JsonValue.Create(t.Index));
        JsonObject Tensor(SymbolicTensor t) => new()
        {
            ["class_name"] = "__keras_tensor__",
            ["config"] = new JsonObject { ["shape"] = KerasLayerConfigs.BatchShape(t.Shape), ["dtype"] = "float32", ["keras_history"] = History(t) },
        };
        var layers = new JsonArray();
        foreach (var layer in order)
        {
            JsonObject entry;
            var nodes = new JsonArray();
            if (layer is Input input) entry = KerasLayerConfigs.WriteInput(input.Name, input.Shape);
            else
            {
                RequireWritable(layer);
                var first = callsOf[layer][0];
                entry = KerasLayerConfigs.Write(layer, layer is MergeLayer ? (PartialShape?)null : first.Inputs[0].Shape);
                foreach (var call in callsOf[layer])
                {
                    JsonNode argument = layer is MergeLayer
                        ? new JsonArray(call.Inputs.Select(i => (JsonNode?)Tensor(i)).ToArray())
                        : Tensor(call.Inputs[0]);
                    nodes.Add((JsonNode)new JsonObject { ["args"] = new JsonArray(argument), ["kwargs"] = new JsonObject() });
                }
            }
            entry["name"] = layer.Name;
            entry["inbound_nodes"] = nodes;
            layers.Add((JsonNode)entry);
        }
        var inputShapes = model.Inputs.Select(i => (JsonNode?)KerasLayerConfigs.BatchShape(i.Shape)).ToArray();
        return new JsonObject
        {
            ["module"] = "keras.src.models.functional",
            ["class_name"] = "Functional",
            ["config"] = new JsonObject
            {
                ["name"] = model.Name,
                ["trainable"] = model.Trainable,
                ["layers"] = layers,
                ["input_layers"] = new JsonArray(model.Inputs.Select(i => (JsonNode?)History(i)).ToArray()),
                ["output_layers"] = new JsonArray(model.Outputs.Select(o => (JsonNode?)History(o)).ToArray()),
            },
            ["registered_name"] = "Functional",
            ["build_config"] = new JsonObject { ["input_shape"] = inputShapes.Length == 1 ? inputShapes[0] : new JsonArray(inputShapes) },
        };
    }

    /// <summary>Each layer that Keras' weights file lists, with its per-sample input shape and its path.</summary>
    private static List<(Layer Layer, PartialShape Input, string Path)> Placed(Model model)
    {
        var placed = new List<(Layer, PartialShape)>();
        if (model is Sequential sequential)
        {
            var shape = sequential.InputShape!.Value;
            foreach (var layer in sequential.Layers)
            {
                // Keras' Sequential.layers leaves the InputLayer out.
                if (layer is Input) continue;
                placed.Add((layer, shape));
                shape = layer.ComputeOutputShape(shape);
            }
        }
        else
        {
            var (calls, order) = KerasGraphOrder.Of(model.Inputs, model.Outputs);
            foreach (var layer in order)
            {
                var call = calls.First(c => ReferenceEquals(c.Layer, layer));
                placed.Add((layer, layer is Input input ? input.Shape : call.Inputs[0].Shape));
            }
        }
        var paths = KerasWeightLayout.LayerPaths(placed.Select(p => p.Item1.ClassName));
        return placed.Select((p, i) => (p.Item1, p.Item2, paths[i])).ToList();
    }

    private static void RequireWritable(Layer layer)
    {
        if (layer is Model)
            throw new InvalidOperationException($"SaveKeras: layer '{layer.Name}' is a model nested in the model; Keras files of nested models are not written yet.");
        if (layer.ActivityRegularizer is not null && KerasLayerKinds.Find(layer.ClassName) is { } kind && !kind.Arguments.ContainsKey("activity_regularizer"))
            throw new InvalidOperationException($"SaveKeras: layer '{layer.Name}' ({layer.ClassName}) has an activity regularizer, which its configuration does not carry.");
    }

    private static string UniqueName(string stem, HashSet<string> taken)
    {
        string name = stem;
        for (int i = 1; taken.Contains(name); i++) name = $"{stem}_{i}";
        return name;
    }

    /// <summary>The saveable's name Keras (3.6 and later) puts on each vars group.</summary>
    private static string GroupName(Layer layer, string groupPath, string layerPath)
    {
        if (groupPath == layerPath) return layer.Name;
        string tail = groupPath[(groupPath.LastIndexOf('/') + 1)..];
        return (layer, tail) switch
        {
            (Bidirectional b, _) when groupPath.Contains("/forward_layer", StringComparison.Ordinal) =>
                tail == "cell" ? KerasWeightLayout.SnakeCase(b.ForwardLayer.ClassName) + "_cell" : b.ForwardLayer.Name,
            (Bidirectional b, _) => tail == "cell" ? KerasWeightLayout.SnakeCase(b.BackwardLayer.ClassName) + "_cell" : b.BackwardLayer.Name,
            (TimeDistributed t, "layer") => t.Layer.Name,
            (TimeDistributed t, "cell") => KerasWeightLayout.SnakeCase(t.Layer.ClassName) + "_cell",
            _ => KerasWeightLayout.SnakeCase(layer.ClassName) + "_cell",
        };
    }

    private static H5Group Vars(string name) => new() { Attributes = new() { ["name"] = name } };

    private static H5Group GroupAt(H5Group root, string path)
    {
        var group = root;
        foreach (var part in path.Split('/'))
        {
            if (!group.TryGetValue(part, out var child))
            {
                child = new H5Group();
                group[part] = child;
            }
            group = (H5Group)child;
        }
        return group;
    }
}
