using DeepSharp.Interop.Onnx.Proto;
using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

/// <summary>
/// Writes a DeepSharp model as an ONNX graph that takes the same inputs and gives the same outputs. The model's
/// layers are walked in the order they run (a Sequential's stack, a functional model's calls, nested models
/// inlined), each written by its converter as a few ONNX nodes. Tensors keep DeepSharp's layouts at the
/// graph's edges (NHWC images, batch-major sequences); inside, each value remembers how ONNX holds it
/// (<see cref="OnnxExportValue.Layout"/>), so that a stack of convolutions runs on NCHW between one transpose
/// in and one out, and stacked recurrent layers pass time-major sequences from one to the next.
/// </summary>
internal sealed partial class OnnxExporter
{
    private readonly OnnxGraphBuilder _g;
    private readonly List<OnnxUnexportableLayer> _refused = [];
    private readonly Dictionary<string, string> _converted = new(StringComparer.Ordinal);

    private OnnxExporter(int opset) => _g = new OnnxGraphBuilder(opset);

    /// <summary>The ONNX model of <paramref name="model"/>; throws <see cref="OnnxExportException"/> listing every layer with no ONNX form.</summary>
    public static ModelProto Export(Model model, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Opset is < OnnxExportOptions.MinOpset or > OnnxExportOptions.MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(options), options.Opset,
                $"Onnx.Export: opset {options.Opset} is not one the exporter writes; use {OnnxExportOptions.MinOpset} to {OnnxExportOptions.MaxOpset}.");
        ArgumentException.ThrowIfNullOrWhiteSpace(options.BatchDimension);
        var (inputs, _) = Interface(model);
        if (inputs.All(i => i.Shape.IsFullyKnown)) return new OnnxExporter(options.Opset).Write(model, options.BatchDimension, 0);
        // Unknown (None) dimensions stay dynamic: the graph is written for two stand-in sizes of them, and a node
        // that differs between the two depends on such a size, which ONNX would then hold fixed.
        var first = new OnnxExporter(options.Opset).Write(model, options.BatchDimension, UnknownStandIn);
        var second = new OnnxExporter(options.Opset).Write(model, options.BatchDimension, UnknownStandIn + 1);
        if (FirstDifference(first.Graph, second.Graph) is { } node)
            throw new OnnxExportException(model.Name, [new OnnxUnexportableLayer(node.Name, node.OpType,
                "this ONNX node depends on the size of a dimension the model's input leaves unknown (None); give that dimension a size to export")]);
        return first;
    }

    /// <summary>The size unknown dimensions take while the graph is written (any size a layer can take).</summary>
    private const int UnknownStandIn = 257;

    /// <summary>The first node (or the node reading the first initializer) that differs between two writings of a graph, if any.</summary>
    private static NodeProto? FirstDifference(GraphProto a, GraphProto b)
    {
        for (int i = 0; i < Math.Min(a.Node.Count, b.Node.Count); i++)
            if (!a.Node[i].Equals(b.Node[i])) return a.Node[i];
        if (a.Node.Count != b.Node.Count) return a.Node.Count > b.Node.Count ? a.Node[b.Node.Count] : b.Node[a.Node.Count];
        for (int i = 0; i < a.Initializer.Count; i++)
            if (i >= b.Initializer.Count || !a.Initializer[i].Equals(b.Initializer[i]))
                return a.Node.FirstOrDefault(n => n.Input.Contains(a.Initializer[i].Name)) ?? new NodeProto { Name = a.Initializer[i].Name, OpType = "initializer" };
        return null;
    }

    /// <summary>Writes the graph; unknown input dimensions take the size <paramref name="standIn"/> inside and stay named dimensions at the edges.</summary>
    private ModelProto Write(Model model, string batch, int standIn)
    {
        var (inputs, outputs) = Interface(model);
        var graph = _g.Graph;
        graph.Name = model.Name;
        var values = new OnnxExportValue[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            string name = _g.Unique(inputs[i].Name);
            graph.Input.Add(OnnxGraphBuilder.Value(name, inputs[i].Shape, batch));
            values[i] = new OnnxExportValue(name, inputs[i].Shape.WithUnknownAs(standIn), null);
        }
        var outputShapes = model.IsFunctional
            ? model.Outputs.Select(o => o.Shape).ToArray()
            : [model.ComputeOutputShape(inputs[0].Shape)];
        var outputNames = outputs.Select(_g.Unique).ToArray(); // reserved before any value takes them

        var results = Run(model, values, "");
        if (_refused.Count > 0) throw new OnnxExportException(model.Name, _refused);

        // Each output value takes its output's name, or, when it cannot (a graph input, a value given twice), an Identity gives it.
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < results.Length; i++)
        {
            string value = In(results[i], null);
            if (renamed.TryGetValue(value, out var earlier)) _g.Node("Identity", outputNames[i], [earlier], [outputNames[i]]);
            else if (_g.Rename(value, outputNames[i])) renamed[value] = outputNames[i];
            else _g.Node("Identity", outputNames[i], [value], [outputNames[i]]);
            graph.Output.Add(OnnxGraphBuilder.Value(outputNames[i], outputShapes[i], batch));
        }
        _g.Check();

        var proto = new ModelProto
        {
            IrVersion = IrVersion(_g.Opset),
            ProducerName = "DeepSharp",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "",
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = _g.Opset });
        return proto;
    }

    /// <summary>The IR version that goes with an opset (opset 17 and 18 came with IR 8, 19 and 20 with IR 9, 21 with IR 10).</summary>
    private static long IrVersion(int opset) => opset switch { <= 18 => 8, <= 20 => 9, _ => 10 };

    /// <summary>The model's inputs (name and per-sample shape) and the names of its outputs.</summary>
    private static ((string Name, PartialShape Shape)[] Inputs, string[] Outputs) Interface(Model model)
    {
        if (model is Sequential sequential)
        {
            if (sequential.Layers.Count == 0) throw new InvalidOperationException($"Onnx.Export: Sequential '{model.Name}' has no layers.");
            var shape = sequential.InputShape ?? sequential.DeclaredInputShape ?? throw new InvalidOperationException(
                $"Onnx.Export: Sequential '{model.Name}' is not built, so its input shape is unknown; give its first layer an inputShape, or call it once.");
            string input = sequential.Layers[0] is Input first ? first.Name : "input";
            return ([(input, shape)], [sequential.Layers[^1].Name]);
        }
        if (model.IsFunctional)
            return (model.Inputs.Select(i => (i.Layer.Name, i.Shape)).ToArray(), model.Outputs.Select(o => o.Layer.Name).ToArray());
        throw new OnnxExportException(model.Name, [new OnnxUnexportableLayer(model.Name, model.ClassName,
            "a subclassed model computes in its own Forward, which has no graph to write; build it as a Sequential or a functional Model")]);
    }

    // ---- walking the model -----------------------------------------------------------------------------

    private OnnxExportValue[] Run(Model model, OnnxExportValue[] inputs, string prefix)
    {
        if (model is Sequential sequential) return [RunSequential(sequential, inputs[0], prefix)];
        if (model.IsFunctional) return RunFunctional(model, inputs, prefix);
        Refuse(model, prefix, "a subclassed model computes in its own Forward, which has no graph to write; build it as a Sequential or a functional Model");
        return [Placeholder(model, inputs, prefix)];
    }

    /// <summary>A Sequential's layers in turn; a step mask (Embedding with maskZero, Masking) that would reach a recurrent layer is refused.</summary>
    private OnnxExportValue RunSequential(Sequential model, OnnxExportValue input, string prefix)
    {
        var x = input;
        Layer? masking = null;
        foreach (var layer in model.Layers)
        {
            if (masking is not null && layer is RecurrentLayer or Bidirectional)
            {
                Refuse(layer, prefix, $"its input steps are masked by '{masking.Name}' ({masking.ClassName}), and ONNX's recurrent ops have no per-step mask; " +
                    "export a model without the mask (maskZero: false, no Masking layer)");
                x = Placeholder(layer, [x], prefix);
                continue;
            }
            x = WriteLayer(layer, [x], prefix);
            masking = layer switch
            {
                Embedding { MaskZero: true } or Masking => layer,
                RecurrentLayer or Bidirectional or TimeDistributed => masking,
                _ => null,
            };
        }
        return x;
    }

    /// <summary>A functional model's calls, each once, every call after the calls it reads.</summary>
    private OnnxExportValue[] RunFunctional(Model model, OnnxExportValue[] inputs, string prefix)
    {
        var values = new Dictionary<SymbolicTensor, OnnxExportValue>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Length; i++) values[model.Inputs[i]] = inputs[i];
        OnnxExportValue Value(SymbolicTensor tensor)
        {
            if (values.TryGetValue(tensor, out var known)) return known;
            var node = tensor.Node;
            var arguments = node.Inputs.Select(Value).ToArray();
            var result = WriteLayer(node.Layer, arguments, prefix);
            values[node.Outputs[0]] = result;
            return result;
        }
        return model.Outputs.Select(Value).ToArray();
    }

    // ---- refusals ----------------------------------------------------------------------------------------

    /// <summary>Thrown by a converter for a layer it cannot write; the walk records it and goes on.</summary>
    private sealed class Refusal(string reason) : Exception(reason);

    private void Refuse(Layer layer, string prefix, string reason) =>
        _refused.Add(new OnnxUnexportableLayer(prefix + layer.Name, layer.ClassName, reason));

    /// <summary>A value standing for the output of a refused layer, so that the walk goes on and finds every other refusal.</summary>
    private OnnxExportValue Placeholder(Layer layer, OnnxExportValue[] inputs, string prefix)
    {
        TensorShape shape;
        try
        {
            shape = layer is MergeLayer merge ? merge.ComputeOutputShape(inputs.Select(i => i.Shape).ToList()) : layer.ComputeOutputShape(inputs[0].Shape);
        }
        catch (ArgumentException)
        {
            shape = inputs[0].Shape;
        }
        return new OnnxExportValue(_g.Unique(prefix + layer.Name), shape, null);
    }

    // ---- layouts and types -------------------------------------------------------------------------------

    /// <summary>
    /// The name of <paramref name="value"/> held as <paramref name="layout"/> and typed <paramref name="type"/>,
    /// adding the Transpose and Cast that make it (once: later requests reuse them).
    /// </summary>
    private string In(OnnxExportValue value, int[]? layout, DataType type = DataType.Float)
    {
        string name = value.Name;
        if (value.Type != type)
            name = Converted($"{name}|{(int)type}", () => _g.Node("Cast", value.Name, [value.Name], ("to", (long)type)));
        if (!value.HasLayout(layout))
        {
            var perm = OnnxExportLayouts.Between(value.Layout, layout, value.Rank);
            string source = name;
            name = Converted($"{source}|{string.Join(",", perm)}", () => _g.Node("Transpose", value.Name, [source], ("perm", perm)));
        }
        return name;
    }

    private string Converted(string key, Func<string> make)
    {
        if (_converted.TryGetValue(key, out var known)) return known;
        return _converted[key] = make();
    }

    /// <summary>A float value computed by the export, laid out as <paramref name="layout"/>.</summary>
    private static OnnxExportValue Out(string name, TensorShape shape, int[]? layout = null) => new(name, shape, layout);
}
