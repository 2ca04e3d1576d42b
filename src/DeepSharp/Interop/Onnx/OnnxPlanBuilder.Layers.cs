namespace DeepSharp.Interop.Onnx;

// The recognizers: nodes that become the Keras-style layer a Keras user would have written (Dense, Conv2D,
// Conv2DTranspose, the poolings, BatchNormalization, Flatten, Dropout, activations), with ONNX's weights
// rearranged into Keras' layouts. Each returns false, having added nothing, when the node does not fit; the
// node then takes the general path.
internal sealed partial class OnnxPlanBuilder
{
    private bool Recognize(OnnxGraphNode node) => node.OpType switch
    {
        "Transpose" => TransposeLayout(node),
        "Squeeze" => SqueezeLayout(node),
        "Gemm" => GemmDense(node),
        "MatMul" => MatMulDense(node),
        "Conv" => ConvLayer(node),
        "ConvTranspose" => ConvTransposeLayer(node),
        "MaxPool" or "AveragePool" => PoolLayer(node),
        "GlobalAveragePool" or "GlobalMaxPool" => GlobalPoolLayer(node),
        "BatchNormalization" => BatchNormalizationLayer(node),
        "Flatten" => node.Attributes.Int("axis", 1) == 1 && FlattenLayer(node),
        "Reshape" => FlattensSamples(node) && FlattenLayer(node),
        "Dropout" => DropoutLayer(node),
        "Relu" or "Sigmoid" or "Tanh" or "Softplus" or "Softsign" or "Elu" or "Selu" or "LeakyRelu" or "Softmax" => ActivationLayer(node),
        "LSTM" or "GRU" or "RNN" => RecurrentNodeLayer(node),
        _ => false,
    };

    // ---- helpers -----------------------------------------------------------------------------------------

    private bool IsDynamic(OnnxGraphNode node, int index) =>
        index < node.Inputs.Length && node.Inputs[index] != "" && !_import.Constants.ContainsKey(node.Inputs[index]);

    private OnnxConstant? Constant(OnnxGraphNode node, int index) =>
        index < node.Inputs.Length && node.Inputs[index] != "" && _import.Constants.TryGetValue(node.Inputs[index], out var c) ? c : null;

    private bool Absent(OnnxGraphNode node, int index) => index >= node.Inputs.Length || node.Inputs[index] == "";

    /// <summary>Whether only output 0 of <paramref name="node"/> is used.</summary>
    private bool OnlyFirstOutputUsed(OnnxGraphNode node) => node.Outputs.Skip(1).All(o => o == "" || !IsUsed(o));

    /// <summary>
    /// Adds a step calling a Keras layer on model tensor <paramref name="input"/>; its output stands for ONNX
    /// value <paramref name="output"/> as <paramref name="layout"/> says. The layer is built at once for the
    /// input's sample shape and <paramref name="setWeights"/> fills its weights.
    /// </summary>
    private string AddLayer(Layer layer, string input, string output, OnnxLayout layout, Action? setWeights = null)
    {
        layer.EnsureBuilt(SampleShape(input));
        using (Autograd.NoGrad()) setWeights?.Invoke();
        string id = NewId(output);
        SetShapes(id, output, layout);
        _plan.Steps.Add(new OnnxPlan.PlanStep(layer, [input], [id]));
        _reps[output] = new Rep(id, layout);
        return id;
    }

    /// <summary>
    /// The activation a Keras layer can apply itself, when <paramref name="value"/>'s only reader is one of
    /// ReLU, sigmoid, tanh (or, for a 2-D value, softmax over the features): that reader is then absorbed.
    /// </summary>
    private (ActivationFunction? Activation, OnnxGraphNode? Reader) FusableActivation(string value, bool softmax)
    {
        if (_import.GraphOutputs.Contains(value)) return (null, null);
        var readers = ConsumersOf(value);
        if (readers.Count != 1 || readers[0].Slot != 0) return (null, null);
        var reader = readers[0].Node;
        string? name = reader.OpType switch
        {
            "Relu" => "relu",
            "Sigmoid" => "sigmoid",
            "Tanh" => "tanh",
            "Softmax" when softmax && reader.Attributes.Int("axis", _graph.Opset >= 13 ? -1 : 1) is 1 or -1 => "softmax",
            _ => null,
        };
        return name is null ? (null, null) : (Activations.Get(name), reader);
    }

    /// <summary>Marks <paramref name="reader"/> absorbed into the layer that now gives its output.</summary>
    private string Absorb(OnnxGraphNode node, OnnxGraphNode? reader)
    {
        if (reader is null) return node.Outputs[0];
        _absorbed.Add(reader);
        return reader.Outputs[0];
    }

    /// <summary>A bias of <paramref name="units"/> values broadcast from <paramref name="c"/> (a scalar, [units] or [1, units]) times <paramref name="scale"/>, or null.</summary>
    private static float[]? BiasVector(OnnxConstant c, int units, float scale)
    {
        bool fits = c.Values.Length == 1 || c.Values.Length == units && c.Shape.Length >= 1 && c.Shape[^1] == units;
        if (!fits) return null;
        var bias = new float[units];
        for (int i = 0; i < units; i++) bias[i] = scale * c.Values[c.Values.Length == 1 ? 0 : i];
        return bias;
    }

    /// <summary>
    /// Keras' "same" padding (begin, end) along one axis: ceil(size / stride) outputs, the odd row at the end.
    /// </summary>
    private static (int Begin, int End) SamePads(int size, int kernel, int stride, int dilation)
    {
        int extent = (kernel - 1) * dilation + 1, output = (size + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + extent - size, 0);
        return (total / 2, total - total / 2);
    }

    // ---- free layout changes -------------------------------------------------------------------------

    /// <summary>A Transpose only changes how the tensor stands for the ONNX value: no step.</summary>
    private bool TransposeLayout(OnnxGraphNode node)
    {
        var rep = _reps[node.Inputs[0]];
        if (!(rep.Layout.IsPlain || rep.Layout.IsPermutation)) return false;
        int rank = _import.Shapes![node.Inputs[0]].First.Length;
        var perm = node.Attributes.Ints("perm")?.Select(p => (int)p).ToArray() ?? Enumerable.Range(0, rank).Reverse().ToArray();
        if (perm.Length != rank || perm.Order().Where((p, i) => p != i).Any()) return false;
        var current = rep.Layout.Permutation ?? Enumerable.Range(0, rank).ToArray();
        var layout = OnnxLayout.Permuted(perm.Select(p => current[p]).ToArray());
        _reps[node.Outputs[0]] = new Rep(rep.Id, layout);
        return true;
    }

    /// <summary>Squeezing the axis an ONNX recurrent output adds (its direction) is free when the tensor lacks it.</summary>
    private bool SqueezeLayout(OnnxGraphNode node)
    {
        var rep = _reps[node.Inputs[0]];
        if (rep.Layout.Unsqueezed is not { } axis || rep.Layout.Features is not null) return false;
        int rank = _import.Shapes![node.Inputs[0]].First.Length;
        long[]? axes = _graph.Opset < 13 ? node.Attributes.Ints("axes") : Constant(node, 1)?.Values.Select(OnnxDataTypes.ToLong).ToArray();
        if (axes is not [var a] || OnnxValues.Axis(a, rank, "Squeeze") != axis) return false;
        _reps[node.Outputs[0]] = new Rep(rep.Id, rep.Layout.Permutation is { } p ? OnnxLayout.Permuted(p) : OnnxLayout.Plain);
        return true;
    }

    // ---- Dense -----------------------------------------------------------------------------------------

    /// <summary>Gemm(A, B, C) with constant B (and C) on a batch of feature vectors: Dense, kernel alpha·B' and bias beta·C.</summary>
    private bool GemmDense(OnnxGraphNode node)
    {
        var a = node.Attributes;
        if (a.Int("transA", 0) != 0 || !IsDynamic(node, 0) || Constant(node, 1) is not { Shape.Length: 2 } b) return false;
        var c = Constant(node, 2);
        if (!Absent(node, 2) && c is null) return false;
        var input = _reps[node.Inputs[0]];
        if (!(input.Layout.IsPlain || input.Layout is { Features: not null, Permutation: null, Unsqueezed: null })) return false;
        if (!BatchMajor(input.Id) || _shapes[input.Id].First.Length != 2) return false;
        bool transB = a.Int("transB", 0) != 0;
        float alpha = a.Float("alpha", 1f), beta = a.Float("beta", 1f);
        int k = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
        if (k != _shapes[input.Id].First[1]) return false;
        float[]? bias = c is null || beta == 0f ? null : BiasVector(c, n, beta);
        if (c is not null && beta != 0f && bias is null) return false;
        var kernel = new float[k * n];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < n; j++)
                kernel[i * n + j] = alpha * (transB ? b.Values[j * k + i] : b.Values[i * n + j]);
        return AddDense(node, input, kernel, k, n, bias, node.Outputs[0]);
    }

    /// <summary>MatMul(A, B) with a constant matrix B, and the Add of a constant bias that follows it: Dense.</summary>
    private bool MatMulDense(OnnxGraphNode node)
    {
        if (!IsDynamic(node, 0) || Constant(node, 1) is not { Shape.Length: 2 } b) return false;
        var input = _reps[node.Inputs[0]];
        bool gathered = input.Layout is { Features: not null, Permutation: null, Unsqueezed: null };
        if (!(input.Layout.IsPlain || gathered)) return false;
        var shape = _shapes[input.Id].First;
        if (!BatchMajor(input.Id) || shape.Length < 2 || gathered && shape.Length != 2 || shape[^1] != b.Shape[0]) return false;
        int k = b.Shape[0], n = b.Shape[1];
        float[]? bias = null;
        string output = node.Outputs[0];
        var readers = ConsumersOf(output);
        if (!_import.GraphOutputs.Contains(output) && readers is [{ Node.OpType: "Add" } add] && Constant(add.Node, 1 - add.Slot) is { } c
            && BiasVector(c, n, 1f) is { } vector && c.Shape.Length <= shape.Length)
        {
            bias = vector;
            _absorbed.Add(add.Node);
            output = add.Node.Outputs[0];
        }
        return AddDense(node, input, b.Values, k, n, bias, output);
    }

    private bool AddDense(OnnxGraphNode node, Rep input, float[] kernel, int k, int n, float[]? bias, string output)
    {
        if (input.Layout.Features is { } features)
        {
            // ONNX's feature j is the tensor's feature features[j]: the kernel's rows move the same way.
            var moved = new float[kernel.Length];
            for (int j = 0; j < k; j++) Array.Copy(kernel, j * n, moved, features[j] * n, n);
            kernel = moved;
        }
        var (activation, reader) = FusableActivation(output, softmax: _shapes[input.Id].First.Length == 2);
        if (reader is not null) output = reader.Outputs[0];
        if (reader is not null) _absorbed.Add(reader);
        var dense = new Dense(n, activation, useBias: bias is not null, name: NewLayerName(node.Name));
        AddLayer(dense, input.Id, output, OnnxLayout.Plain, () =>
        {
            dense.Kernel.CopyFrom(kernel);
            if (bias is not null) dense.Bias!.CopyFrom(bias);
        });
        return true;
    }

    // ---- convolutions and pooling --------------------------------------------------------------------

    /// <summary>Conv with constant OIHW weights, one group, on an image: ZeroPadding2D where PyTorch's pads are not Keras' "same", then Conv2D.</summary>
    private bool ConvLayer(OnnxGraphNode node)
    {
        if (!_channelsLast || !IsDynamic(node, 0) || !IsImage(node.Inputs[0]) || Constant(node, 1) is not { Shape.Length: 4 } w) return false;
        if (node.Attributes.Int("group", 1) != 1) return false;
        var b = Constant(node, 2);
        if (!Absent(node, 2) && b is null) return false;
        var onnx = _import.Shapes![node.Inputs[0]];
        if (!_import.IsBatchMajor(onnx.First, onnx.Second)) return false;
        int filters = w.Shape[0], channels = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3];
        if (channels != onnx.First[1]) return false;
        var windows = OnnxWindows.Read(_import.Context(node, false), [kh, kw], pooling: false);
        int h = onnx.First[2], width = onnx.First[3];
        var (top, bottom) = windows.Pads(0, h);
        var (left, right) = windows.Pads(1, width);
        bool same = (top, bottom) == SamePads(h, kh, windows.Strides[0], windows.Dilations[0])
            && (left, right) == SamePads(width, kw, windows.Strides[1], windows.Dilations[1]);
        bool none = top == 0 && bottom == 0 && left == 0 && right == 0;
        string input = ChannelsLastId(node.Inputs[0]);
        if (!none && !same) input = AddZeroPadding(node, input, (top, bottom), (left, right));
        var kernel = Rearranged(w, [3, 2, 0, 1]).Values; // OIHW -> HWIO
        var (activation, reader) = FusableActivation(node.Outputs[0], softmax: false);
        var conv = new Conv2D(filters, (kh, kw), (windows.Strides[0], windows.Strides[1]), same && !none ? "same" : "valid",
            (windows.Dilations[0], windows.Dilations[1]), activation, useBias: b is not null, name: NewLayerName(node.Name));
        AddLayer(conv, input, Absorb(node, reader), OnnxLayout.Permuted(Nhwc), () =>
        {
            conv.Kernel.CopyFrom(kernel);
            if (b is not null) conv.Bias!.CopyFrom(b.Values);
        });
        return true;
    }

    private string AddZeroPadding(OnnxGraphNode node, string input, (int Top, int Bottom) height, (int Left, int Right) width)
    {
        var layer = new ZeroPadding2D(height, width, NewLayerName($"{node.Name}_pad"));
        layer.EnsureBuilt(SampleShape(input));
        string id = NewId($"{node.Name}_padded");
        var (first, second) = _shapes[input];
        int[] Padded(int[] s) => [s[0], s[1] + height.Top + height.Bottom, s[2] + width.Left + width.Right, s[3]];
        _shapes[id] = (Padded(first), Padded(second));
        _plan.Steps.Add(new OnnxPlan.PlanStep(layer, [input], [id]));
        return id;
    }

    /// <summary>ConvTranspose with constant weights, one group and no pads on an image: Conv2DTranspose ("valid", with output_padding).</summary>
    private bool ConvTransposeLayer(OnnxGraphNode node)
    {
        if (!_channelsLast || !IsDynamic(node, 0) || !IsImage(node.Inputs[0]) || Constant(node, 1) is not { Shape.Length: 4 } w) return false;
        var a = node.Attributes;
        if (a.Int("group", 1) != 1 || a.Has("output_shape") || a.String("auto_pad", "NOTSET") is not ("NOTSET" or "VALID")) return false;
        if (a.Ints("pads") is { } pads && pads.Any(p => p != 0)) return false;
        var b = Constant(node, 2);
        if (!Absent(node, 2) && b is null) return false;
        var onnx = _import.Shapes![node.Inputs[0]];
        if (!_import.IsBatchMajor(onnx.First, onnx.Second)) return false;
        int channels = w.Shape[0], filters = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3];
        if (channels != onnx.First[1]) return false;
        var windows = OnnxWindows.Read(_import.Context(node, false), [kh, kw], pooling: false);
        var extra = a.Ints("output_padding") ?? [0, 0];
        if (extra.Length != 2 || extra[0] >= windows.Strides[0] || extra[1] >= windows.Strides[1]) return false;
        var kernel = Rearranged(w, [3, 2, 0, 1]).Values; // [C, M, kh, kw] -> [kh, kw, M, C]
        var (activation, reader) = FusableActivation(node.Outputs[0], softmax: false);
        var layer = new Conv2DTranspose(filters, (kh, kw), (windows.Strides[0], windows.Strides[1]), "valid", ((int)extra[0], (int)extra[1]),
            (windows.Dilations[0], windows.Dilations[1]), activation, useBias: b is not null, name: NewLayerName(node.Name));
        AddLayer(layer, ChannelsLastId(node.Inputs[0]), Absorb(node, reader), OnnxLayout.Permuted(Nhwc), () =>
        {
            layer.Kernel.CopyFrom(kernel);
            if (b is not null) layer.Bias!.CopyFrom(b.Values);
        });
        return true;
    }

    /// <summary>MaxPool or AveragePool whose pads are none or Keras' "same" (average: not counting pads) and whose ceil_mode changes nothing.</summary>
    private bool PoolLayer(OnnxGraphNode node)
    {
        if (!_channelsLast || !IsImage(node.Inputs[0]) || !OnlyFirstOutputUsed(node)) return false;
        var onnx = _import.Shapes![node.Inputs[0]];
        if (!_import.IsBatchMajor(onnx.First, onnx.Second)) return false;
        var context = _import.Context(node, false);
        var windows = OnnxWindows.Read(context, null, pooling: true);
        if (windows.Rank != 2 || windows.Dilations.Any(d => d != 1)) return false;
        int h = onnx.First[2], width = onnx.First[3];
        var floor = OnnxWindows.Read(context, null, pooling: false);
        if (windows.OutputSize(0, h) != floor.OutputSize(0, h) || windows.OutputSize(1, width) != floor.OutputSize(1, width)) return false;
        var (top, bottom) = windows.Pads(0, h);
        var (left, right) = windows.Pads(1, width);
        bool none = top == 0 && bottom == 0 && left == 0 && right == 0;
        bool max = node.OpType == "MaxPool";
        bool same = (top, bottom) == SamePads(h, windows.Kernel[0], windows.Strides[0], 1) && (left, right) == SamePads(width, windows.Kernel[1], windows.Strides[1], 1)
            && (max || node.Attributes.Int("count_include_pad", 0) == 0);
        if (!none && !same) return false;
        Size2D size = (windows.Kernel[0], windows.Kernel[1]), strides = (windows.Strides[0], windows.Strides[1]);
        string padding = none ? "valid" : "same";
        Layer layer = max ? new MaxPooling2D(size, strides, padding, NewLayerName(node.Name)) : new AveragePooling2D(size, strides, padding, NewLayerName(node.Name));
        AddLayer(layer, ChannelsLastId(node.Inputs[0]), node.Outputs[0], OnnxLayout.Permuted(Nhwc));
        return true;
    }

    /// <summary>GlobalAveragePool / GlobalMaxPool of an image: Keras' global pooling keeping the 1×1 spatial axes.</summary>
    private bool GlobalPoolLayer(OnnxGraphNode node)
    {
        if (!_channelsLast || !IsImage(node.Inputs[0])) return false;
        var onnx = _import.Shapes![node.Inputs[0]];
        if (!_import.IsBatchMajor(onnx.First, onnx.Second)) return false;
        Layer layer = node.OpType == "GlobalAveragePool"
            ? new GlobalAveragePooling2D(keepDims: true, name: NewLayerName(node.Name))
            : new GlobalMaxPooling2D(keepDims: true, name: NewLayerName(node.Name));
        AddLayer(layer, ChannelsLastId(node.Inputs[0]), node.Outputs[0], OnnxLayout.Permuted(Nhwc));
        return true;
    }

    /// <summary>BatchNormalization in inference with constant parameters: Keras' BatchNormalization on the channel axis.</summary>
    private bool BatchNormalizationLayer(OnnxGraphNode node)
    {
        if (!IsDynamic(node, 0) || !OnlyFirstOutputUsed(node)) return false;
        if (_graph.Opset >= 14 && node.Attributes.Int("training_mode", 0) != 0) return false;
        if (node.Attributes.Int("spatial", 1) == 0) return false;
        var parameters = Enumerable.Range(1, 4).Select(i => Constant(node, i)).ToArray();
        if (parameters.Any(p => p is null)) return false;
        var rep = _reps[node.Inputs[0]];
        int rank = _shapes[rep.Id].First.Length;
        int axis;
        if (rep.Layout.IsPermutation && rep.Layout.Permutation!.SequenceEqual(Nhwc)) axis = -1;
        else if (rep.Layout.IsPlain && rank >= 2) axis = rank == 2 ? -1 : 1;
        else return false;
        if (!BatchMajor(rep.Id)) return false;
        float epsilon = node.Attributes.Float("epsilon", 1e-5f), momentum = node.Attributes.Float("momentum", 0.9f);
        if (!(epsilon > 0f) || !(momentum >= 0f && momentum <= 1f)) return false;
        int channels = _shapes[rep.Id].First[axis < 0 ? rank - 1 : axis];
        if (parameters.Any(p => p!.Values.Length != channels)) return false;
        var layer = new BatchNormalization(axis, momentum, epsilon, name: NewLayerName(node.Name));
        AddLayer(layer, rep.Id, node.Outputs[0], rep.Layout, () =>
        {
            layer.Gamma!.CopyFrom(parameters[0]!.Values);
            layer.Beta!.CopyFrom(parameters[1]!.Values);
            layer.MovingMean.CopyFrom(parameters[2]!.Values);
            layer.MovingVariance.CopyFrom(parameters[3]!.Values);
        });
        return true;
    }

    /// <summary>
    /// Flatten(axis 1), or a Reshape that flattens each sample: Keras' Flatten. Of a channels-last image read
    /// only by Dense-like nodes, it flattens in h, w, c order and those nodes take the features in that order
    /// (their kernels' rows are moved).
    /// </summary>
    private bool FlattenLayer(OnnxGraphNode node)
    {
        if (!IsDynamic(node, 0)) return false;
        var rep = _reps[node.Inputs[0]];
        if (!BatchMajor(rep.Id) || _shapes[rep.Id].First.Length < 2) return false;
        string output = node.Outputs[0];
        if (rep.Layout.IsPlain)
        {
            AddLayer(new Flatten(NewLayerName(node.Name)), rep.Id, output, OnnxLayout.Plain);
            return true;
        }
        if (!(rep.Layout.IsPermutation && rep.Layout.Permutation!.SequenceEqual(Nhwc))) return false;
        bool denseReaders = !_import.GraphOutputs.Contains(output) && ConsumersOf(output).Count > 0 && ConsumersOf(output).All(r =>
            r.Slot == 0 && (r.Node.OpType == "Gemm" && r.Node.Attributes.Int("transA", 0) == 0 && Constant(r.Node, 1) is { Shape.Length: 2 }
                || r.Node.OpType == "MatMul" && Constant(r.Node, 1) is { Shape.Length: 2 }));
        if (!denseReaders) return false;
        var s = _import.Shapes![node.Inputs[0]].First; // N, C, H, W
        int channels = s[1], height = s[2], width = s[3];
        var features = new int[channels * height * width];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    features[(c * height + y) * width + x] = (y * width + x) * channels + c;
        AddLayer(new Flatten(NewLayerName(node.Name)), rep.Id, output, OnnxLayout.FeatureGather(features));
        return true;
    }

    /// <summary>
    /// Whether a Reshape makes each sample a vector in both probes: [batch, -1] as Keras' exporters write Flatten,
    /// or PyTorch's x.view(x.size(0), -1), whose target shape is computed from the input's shape.
    /// </summary>
    private bool FlattensSamples(OnnxGraphNode node)
    {
        if (!IsDynamic(node, 0)) return false;
        var (inFirst, inSecond) = _import.Shapes![node.Inputs[0]];
        var (outFirst, outSecond) = _import.Shapes[node.Outputs[0]];
        static bool Flat(int[] input, int[] output) =>
            input.Length >= 2 && output.Length == 2 && output[0] == input[0] && output[1] == input.Skip(1).Aggregate(1, (a, d) => a * d);
        return _import.IsBatchMajor(inFirst, inSecond) && Flat(inFirst, outFirst) && Flat(inSecond, outSecond);
    }

    /// <summary>Dropout in inference: Keras' Dropout, which drops in Fit as the source framework did in training.</summary>
    private bool DropoutLayer(OnnxGraphNode node)
    {
        if (!OnlyFirstOutputUsed(node) || !IsDynamic(node, 0)) return false;
        float ratio;
        if (_graph.Opset >= 12)
        {
            bool training = !Absent(node, 2) && (Constant(node, 2) is not { } mode || mode.Values[0] != 0f);
            if (training) return false;
            if (!Absent(node, 1) && Constant(node, 1) is null) return false;
            ratio = Constant(node, 1)?.Values[0] ?? 0.5f;
        }
        else ratio = node.Attributes.Float("ratio", 0.5f);
        var rep = _reps[node.Inputs[0]];
        if (ratio <= 0f || ratio >= 1f || !BatchMajor(rep.Id))
        {
            _reps[node.Outputs[0]] = rep; // the identity in inference
            return true;
        }
        AddLayer(new Dropout(ratio, name: NewLayerName(node.Name)), rep.Id, node.Outputs[0], rep.Layout);
        return true;
    }

    /// <summary>An activation on a batch: Keras' Activation (or LeakyReLU) layer, on the tensor as it is laid out.</summary>
    private bool ActivationLayer(OnnxGraphNode node)
    {
        if (!IsDynamic(node, 0)) return false;
        var rep = _reps[node.Inputs[0]];
        if (!(rep.Layout.IsPlain || rep.Layout.IsPermutation) || !BatchMajor(rep.Id)) return false;
        var a = node.Attributes;
        string layerName = NewLayerName(node.Name);
        Layer? layer = node.OpType switch
        {
            "Relu" => new Activation(Activations.Relu, layerName),
            "Sigmoid" => new Activation(Activations.Sigmoid, layerName),
            "Tanh" => new Activation(Activations.Tanh, layerName),
            "Softplus" => new Activation(Activations.Softplus, layerName),
            "Softsign" => new Activation(Activations.Softsign, layerName),
            "Elu" when a.Float("alpha", 1f) == 1f => new Activation(Activations.Elu, layerName),
            "Selu" when !a.Has("alpha") && !a.Has("gamma") => new Activation(Activations.Selu, layerName),
            "LeakyRelu" => new LeakyReLU(a.Float("alpha", 0.01f), layerName),
            "Softmax" when SoftmaxOverLastAxis(node, rep) => new Activation(Activations.Softmax, layerName),
            _ => null,
        };
        if (layer is null)
        {
            _layerNames.Remove(layerName);
            return false;
        }
        AddLayer(layer, rep.Id, node.Outputs[0], rep.Layout);
        return true;
    }

    /// <summary>Whether a Softmax normalizes over the tensor's last axis (Keras' softmax) as the tensor is laid out.</summary>
    private bool SoftmaxOverLastAxis(OnnxGraphNode node, Rep rep)
    {
        int rank = _shapes[rep.Id].First.Length;
        long axis = node.Attributes.Int("axis", _graph.Opset >= 13 ? -1 : 1);
        if (_graph.Opset < 13) return rep.Layout.IsPlain && (axis == rank - 1 || axis == -1);
        int a = OnnxValues.Axis(axis, rank, "Softmax");
        int tensorAxis = rep.Layout.Permutation is { } p ? p[a] : a;
        return tensorAxis == rank - 1;
    }
}
