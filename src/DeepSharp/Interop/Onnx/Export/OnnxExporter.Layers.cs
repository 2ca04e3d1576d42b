using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Interop.Onnx;

// The converters of Keras-style layers: each writes the ONNX nodes that compute the layer, asking for its input
// in the layout its ops read (images NCHW for convolutions and pooling, the tensor itself for Dense and the
// reshaping layers) and saying how its output is laid out. Elementwise layers keep whatever layout they get.
internal sealed partial class OnnxExporter
{
    /// <summary>Writes one call of <paramref name="layer"/>; a layer with no ONNX form is recorded and stands as a placeholder.</summary>
    private OnnxExportValue WriteLayer(Layer layer, OnnxExportValue[] inputs, string prefix)
    {
        string name = prefix + layer.Name;
        try
        {
            return layer switch
            {
                Input => inputs[0],
                Model model => WriteNested(model, inputs, name + "/"),
                Dense dense => WriteDense(dense, inputs[0], name),
                Conv2D conv => WriteConv2D(conv, inputs[0], name),
                Conv2DTranspose conv => WriteConv2DTranspose(conv, inputs[0], name),
                Pooling2D pool => WritePooling(pool, inputs[0], name),
                GlobalPoolingLayer pool when pool is GlobalMaxPooling2D or GlobalAveragePooling2D => WriteGlobalPooling(pool, inputs[0], name),
                BatchNormalization norm => WriteBatchNormalization(norm, inputs[0], name),
                Dropout or SpatialDropout2D => inputs[0], // the identity in inference
                Activation activation => Activate(activation.Function, inputs[0], name),
                LeakyReLU leaky => Same(inputs[0], _g.Node("LeakyRelu", name, [In(inputs[0], inputs[0].Layout)], ("alpha", leaky.NegativeSlope))),
                Flatten => WriteFlatten(inputs[0], name),
                Reshape reshape => WriteReshape(inputs[0], reshape.ComputeOutputShape(inputs[0].Shape), name),
                ZeroPadding2D padding => WriteZeroPadding(padding, inputs[0], name),
                UpSampling2D upsampling => WriteUpSampling(upsampling, inputs[0], name),
                Embedding embedding => WriteEmbedding(embedding, inputs[0], name),
                Masking masking => WriteMasking(masking, inputs[0], name),
                TimeDistributed wrapper => WriteTimeDistributed(wrapper, inputs[0], name, prefix),
                RecurrentLayer recurrent => WriteRecurrent(recurrent, inputs[0], name),
                Bidirectional bidirectional => WriteBidirectional(bidirectional, inputs[0], name),
                Concatenate concatenate => WriteConcatenate(concatenate, inputs, name),
                Add or Subtract or Multiply or Average => WriteElementwiseMerge((MergeLayer)layer, inputs, name),
                OnnxNode node => WriteNode(node, inputs, name),
                _ => throw new Refusal($"DeepSharp has no ONNX form for {layer.ClassName} layers: exporting them is not supported"),
            };
        }
        catch (Refusal refusal)
        {
            Refuse(layer, prefix, refusal.Message);
            return Placeholder(layer, inputs, prefix);
        }
    }

    /// <summary>A model used as a layer: its layers inlined, named under its own name.</summary>
    private OnnxExportValue WriteNested(Model model, OnnxExportValue[] inputs, string prefix)
    {
        var outputs = Run(model, inputs, prefix);
        if (outputs.Length != 1) throw new Refusal($"a nested model gives {outputs.Length} outputs; a layer gives one");
        return outputs[0];
    }

    // ---- core ------------------------------------------------------------------------------------------

    /// <summary>Dense: Gemm on a batch of vectors, MatMul and Add on longer tensors (it applies to the last axis), then the activation.</summary>
    private OnnxExportValue WriteDense(Dense dense, OnnxExportValue x, string name)
    {
        string input = In(x, null);
        string kernel = _g.Weight(name + "/kernel", dense.Kernel);
        string? bias = dense.Bias is null ? null : _g.Weight(name + "/bias", dense.Bias);
        string y;
        if (x.Rank == 2) y = _g.Node("Gemm", name, [input, kernel, bias]);
        else
        {
            y = _g.Node("MatMul", name, [input, kernel]);
            if (bias is not null) y = _g.Node("Add", name, [y, bias]);
        }
        return Activate(dense.Activation, Out(y, x.Shape.With(-1, dense.Units)), name);
    }

    /// <summary>Embedding: the float ids as int64, gathered from the table.</summary>
    private OnnxExportValue WriteEmbedding(Embedding embedding, OnnxExportValue x, string name)
    {
        string ids = In(x, null, DataType.Int64);
        string table = _g.Weight(name + "/embeddings", embedding.Embeddings);
        return Out(_g.Node("Gather", name, [table, ids], ("axis", 0L)), embedding.ComputeOutputShape(x.Shape));
    }

    /// <summary>Masking in a model's computation: the steps whose features all equal the mask value become zeros.</summary>
    private OnnxExportValue WriteMasking(Masking masking, OnnxExportValue x, string name)
    {
        string input = In(x, null);
        string equal = _g.Node("Equal", name, [input, _g.Scalar(masking.MaskValue)]);
        string kept = _g.Node("Cast", name, [_g.Node("Not", name, [equal])], ("to", (long)DataType.Float));
        string any = Reduce("ReduceMax", kept, name, [-1], keepDims: true);
        return Out(_g.Node("Mul", name, [input, any]), x.Shape);
    }

    // ---- convolutions and pooling ----------------------------------------------------------------------

    /// <summary>
    /// Conv2D: an NCHW Conv with the OIHW kernel and Keras' padding spelled out, then the activation. Keras' groups
    /// are ONNX's group: both keep channels / groups inputs per filter and give each group filters / groups outputs.
    /// </summary>
    private OnnxExportValue WriteConv2D(Conv2D conv, OnnxExportValue x, string name)
    {
        string input = In(x, OnnxExportLayouts.ChannelsFirst);
        var shape = conv.ComputeOutputShape(x.Shape);
        string kernel = _g.Weight(name + "/kernel", conv.Kernel, [3, 2, 0, 1]); // HWIO → OIHW
        string? bias = conv.Bias is null ? null : _g.Weight(name + "/bias", conv.Bias);
        var (top, bottom) = WindowPads(x.Shape[0], conv.KernelSize.Height, conv.Strides.Height, conv.DilationRate.Height, conv.Padding);
        var (left, right) = WindowPads(x.Shape[1], conv.KernelSize.Width, conv.Strides.Width, conv.DilationRate.Width, conv.Padding);
        (string, object)[] attributes =
        [
            ("kernel_shape", new long[] { conv.KernelSize.Height, conv.KernelSize.Width }),
            ("strides", new long[] { conv.Strides.Height, conv.Strides.Width }),
            ("dilations", new long[] { conv.DilationRate.Height, conv.DilationRate.Width }),
            ("pads", new long[] { top, left, bottom, right }),
        ];
        string y = _g.Node("Conv", name, [input, kernel, bias], conv.Groups == 1 ? attributes : [.. attributes, ("group", (long)conv.Groups)]);
        return Activate(conv.Activation, Out(y, shape, OnnxExportLayouts.ChannelsFirst), name);
    }

    /// <summary>
    /// Conv2DTranspose: an NCHW ConvTranspose whose pads put each output pixel where DeepSharp's does (the
    /// padding of the convolution it is the transpose of); rows it does not cover become output_padding.
    /// </summary>
    private OnnxExportValue WriteConv2DTranspose(Conv2DTranspose conv, OnnxExportValue x, string name)
    {
        string input = In(x, OnnxExportLayouts.ChannelsFirst);
        var shape = conv.ComputeOutputShape(x.Shape);
        string kernel = _g.Weight(name + "/kernel", conv.Kernel, [3, 2, 0, 1]); // (kh, kw, filters, in) → (in, filters, kh, kw)
        string? bias = conv.Bias is null ? null : _g.Weight(name + "/bias", conv.Bias);
        var (top, bottom, extraHeight) = TransposePads(x.Shape[0], shape[0], conv.KernelSize.Height, conv.Strides.Height, conv.DilationRate.Height, conv.Padding);
        var (left, right, extraWidth) = TransposePads(x.Shape[1], shape[1], conv.KernelSize.Width, conv.Strides.Width, conv.DilationRate.Width, conv.Padding);
        string y = _g.Node("ConvTranspose", name, [input, kernel, bias],
            ("kernel_shape", new long[] { conv.KernelSize.Height, conv.KernelSize.Width }),
            ("strides", new long[] { conv.Strides.Height, conv.Strides.Width }),
            ("dilations", new long[] { conv.DilationRate.Height, conv.DilationRate.Width }),
            ("pads", new long[] { top, left, bottom, right }),
            ("output_padding", new long[] { extraHeight, extraWidth }));
        return Activate(conv.Activation, Out(y, shape, OnnxExportLayouts.ChannelsFirst), name);
    }

    /// <summary>Keras' pads (begin, end) of a window along one axis: none for "valid"; for "same" the total, the odd one at the end.</summary>
    private static (long Begin, long End) WindowPads(int size, int window, int stride, int dilation, string padding)
    {
        if (padding != "same") return (0, 0);
        int extent = (window - 1) * dilation + 1, output = (size + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + extent - size, 0);
        return (total / 2, total - total / 2);
    }

    /// <summary>ONNX ConvTranspose's pads and output_padding along one axis for DeepSharp's output of <paramref name="output"/> from <paramref name="input"/>.</summary>
    private static (long Begin, long End, long Extra) TransposePads(int input, int output, int window, int stride, int dilation, string padding)
    {
        int extent = (window - 1) * dilation + 1;
        long begin = WindowPads(output, window, stride, dilation, padding).Begin;
        long end = (long)stride * (input - 1) + extent - output - begin; // ONNX: output = stride·(input − 1) + extent − begin − end + extra
        return end >= 0 ? (begin, end, 0) : (begin, 0, -end);
    }

    /// <summary>MaxPooling2D and AveragePooling2D on NCHW (ONNX's average leaves padding out of the count, as Keras does).</summary>
    private OnnxExportValue WritePooling(Pooling2D pool, OnnxExportValue x, string name)
    {
        string input = In(x, OnnxExportLayouts.ChannelsFirst);
        var (top, bottom) = WindowPads(x.Shape[0], pool.PoolSize.Height, pool.Strides.Height, 1, pool.Padding);
        var (left, right) = WindowPads(x.Shape[1], pool.PoolSize.Width, pool.Strides.Width, 1, pool.Padding);
        string y = _g.Node(pool is MaxPooling2D ? "MaxPool" : "AveragePool", name, [input],
            ("kernel_shape", new long[] { pool.PoolSize.Height, pool.PoolSize.Width }),
            ("strides", new long[] { pool.Strides.Height, pool.Strides.Width }),
            ("pads", new long[] { top, left, bottom, right }));
        return Out(y, pool.ComputeOutputShape(x.Shape), OnnxExportLayouts.ChannelsFirst);
    }

    /// <summary>The global poolings: GlobalAveragePool/GlobalMaxPool on an NCHW image, a reduction over height and width otherwise.</summary>
    private OnnxExportValue WriteGlobalPooling(GlobalPoolingLayer pool, OnnxExportValue x, string name)
    {
        bool max = pool is GlobalMaxPooling2D;
        var shape = pool.ComputeOutputShape(x.Shape);
        if (x.HasLayout(OnnxExportLayouts.ChannelsFirst))
        {
            string pooled = _g.Node(max ? "GlobalMaxPool" : "GlobalAveragePool", name, [x.Name]); // (N, C, 1, 1): an NHWC (N, 1, 1, C) held NCHW
            return pool.KeepDims ? Out(pooled, shape, OnnxExportLayouts.ChannelsFirst) : Out(_g.Node("Flatten", name, [pooled], ("axis", 1L)), shape);
        }
        string input = In(x, null);
        return Out(Reduce(max ? "ReduceMax" : "ReduceMean", input, name, [1, 2], pool.KeepDims), shape);
    }

    // ---- normalization ---------------------------------------------------------------------------------

    /// <summary>
    /// BatchNormalization in inference: ONNX's BatchNormalization where the channels are ONNX's axis 1 (vectors,
    /// NCHW images), otherwise its folded form x·scale + shift with the channels on their own axis.
    /// </summary>
    private OnnxExportValue WriteBatchNormalization(BatchNormalization norm, OnnxExportValue x, string name)
    {
        int channelAxis = x.OnnxAxis(norm.Axis);
        int channels = x.Shape[(norm.Axis < 0 ? norm.Axis + x.Rank : norm.Axis) - 1];
        if (channelAxis == 1)
        {
            string scale = norm.Gamma is { } gamma ? _g.Weight(name + "/gamma", gamma) : _g.Initializer(name + "/gamma", Enumerable.Repeat(1f, channels).ToArray(), [channels]);
            string shift = norm.Beta is { } beta ? _g.Weight(name + "/beta", beta) : _g.Initializer(name + "/beta", new float[channels], [channels]);
            string y = _g.Node("BatchNormalization", name,
                [In(x, x.Layout), scale, shift, _g.Weight(name + "/moving_mean", norm.MovingMean), _g.Weight(name + "/moving_variance", norm.MovingVariance)],
                ("epsilon", norm.Epsilon));
            return Same(x, y);
        }
        var (multiplier, offset) = FoldedNormalization(norm);
        var dims = new int[x.Rank - channelAxis];
        Array.Fill(dims, 1);
        dims[0] = channels;
        string scaled = _g.Node("Mul", name, [In(x, x.Layout), _g.Initializer(name + "/scale", multiplier, dims)]);
        return Same(x, _g.Node("Add", name, [scaled, _g.Initializer(name + "/shift", offset, dims)]));
    }

    /// <summary>scale = γ / √(variance + ε), shift = β − mean·scale.</summary>
    private static (float[] Scale, float[] Shift) FoldedNormalization(BatchNormalization norm)
    {
        var mean = norm.MovingMean.ToArray();
        var variance = norm.MovingVariance.ToArray();
        var gamma = norm.Gamma?.ToArray();
        var beta = norm.Beta?.ToArray();
        var scale = new float[mean.Length];
        var shift = new float[mean.Length];
        for (int c = 0; c < mean.Length; c++)
        {
            scale[c] = (gamma?[c] ?? 1f) / MathF.Sqrt(variance[c] + norm.Epsilon);
            shift[c] = (beta?[c] ?? 0f) - mean[c] * scale[c];
        }
        return (scale, shift);
    }

    // ---- reshaping -------------------------------------------------------------------------------------

    /// <summary>Flatten: each sample's values in DeepSharp's order (an image's h, w, c), so the tensor itself, not its NCHW form.</summary>
    private OnnxExportValue WriteFlatten(OnnxExportValue x, string name)
    {
        string input = In(x, null);
        if (x.Rank == 2) return Out(input, x.Shape);
        return Out(_g.Node("Flatten", name, [input], ("axis", 1L)), [x.Shape.Size]);
    }

    /// <summary>Reshape of each sample; the batch (0: copied from the input) stays dynamic.</summary>
    private OnnxExportValue WriteReshape(OnnxExportValue x, TensorShape shape, string name)
    {
        string input = In(x, null);
        return Out(_g.Node("Reshape", name, [input, _g.Longs([0, .. shape.Dims.ToArray().Select(d => (long)d)])]), shape);
    }

    /// <summary>ZeroPadding2D: a constant Pad on the value as it is laid out.</summary>
    private OnnxExportValue WriteZeroPadding(ZeroPadding2D padding, OnnxExportValue x, string name)
    {
        long[] begin = [0, padding.Top, padding.Left, 0], end = [0, padding.Bottom, padding.Right, 0];
        var pads = new long[8];
        for (int i = 0; i < 4; i++)
        {
            int axis = x.Layout?[i] ?? i; // ONNX axis i holds the tensor's axis Layout[i]
            pads[i] = begin[axis];
            pads[i + 4] = end[axis];
        }
        string y = _g.Node("Pad", name, [In(x, x.Layout), _g.Longs(pads)], ("mode", "constant"));
        return Same(x, y, padding.ComputeOutputShape(x.Shape));
    }

    /// <summary>UpSampling2D: Resize of the NCHW image, nearest (each pixel repeated) or bilinear with half-pixel centres (TensorFlow's).</summary>
    private OnnxExportValue WriteUpSampling(UpSampling2D upsampling, OnnxExportValue x, string name)
    {
        string input = In(x, OnnxExportLayouts.ChannelsFirst);
        string scales = _g.Floats(1f, 1f, upsampling.Size.Height, upsampling.Size.Width);
        string y = upsampling.Interpolation == "bilinear"
            ? _g.Node("Resize", name, [input, "", scales], ("mode", "linear"), ("coordinate_transformation_mode", "half_pixel"))
            : _g.Node("Resize", name, [input, "", scales], ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor"));
        return Out(y, upsampling.ComputeOutputShape(x.Shape), OnnxExportLayouts.ChannelsFirst);
    }

    /// <summary>TimeDistributed: the batch and time folded into one axis, the wrapped layer written on that, and unfolded.</summary>
    private OnnxExportValue WriteTimeDistributed(TimeDistributed wrapper, OnnxExportValue x, string name, string prefix)
    {
        int steps = x.Shape[0];
        var inner = new TensorShape(x.Shape.Dims[1..]);
        var folded = Out(_g.Node("Reshape", name, [In(x, null), _g.Longs([-1, .. inner.Dims.ToArray().Select(d => (long)d)])]), inner);
        var y = WriteLayer(wrapper.Layer, [folded], prefix + wrapper.Name + "/");
        var shape = wrapper.ComputeOutputShape(x.Shape);
        return Out(_g.Node("Reshape", name, [In(y, null), _g.Longs([-1, .. shape.Dims.ToArray().Select(d => (long)d)])]), shape);
    }

    // ---- merging ---------------------------------------------------------------------------------------

    /// <summary>Concatenate: all inputs in the first one's layout, joined along the ONNX axis holding the layer's axis.</summary>
    private OnnxExportValue WriteConcatenate(Concatenate concatenate, OnnxExportValue[] inputs, string name)
    {
        var layout = inputs[0].Layout;
        var shape = concatenate.ComputeOutputShape(inputs.Select(i => i.Shape).ToList());
        var result = Out("", shape, layout);
        long axis = result.OnnxAxis(concatenate.Axis);
        return result with { Name = _g.Node("Concat", name, inputs.Select(i => (string?)In(i, layout)).ToArray(), ("axis", axis)) };
    }

    /// <summary>Add (Sum), Subtract (Sub), Multiply (Mul) and Average (Mean), on the inputs in the first one's layout.</summary>
    private OnnxExportValue WriteElementwiseMerge(MergeLayer merge, OnnxExportValue[] inputs, string name)
    {
        var layout = inputs[0].Layout;
        var operands = inputs.Select(i => (string?)In(i, layout)).ToArray();
        string y = merge switch
        {
            Add => _g.Node("Sum", name, operands),
            Subtract => _g.Node("Sub", name, operands),
            Average => _g.Node("Mean", name, operands),
            _ => operands.Skip(1).Aggregate(operands[0]!, (product, next) => _g.Node("Mul", name, [product, next])),
        };
        return Out(y, inputs[0].Shape, layout);
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /// <summary>The float value <paramref name="name"/> laid out as <paramref name="x"/> is, of <paramref name="x"/>'s shape unless another is given.</summary>
    private static OnnxExportValue Same(OnnxExportValue x, string name, TensorShape? shape = null) => new(name, shape ?? x.Shape, x.Layout);

    /// <summary>A reduction over <paramref name="axes"/>: the axes an attribute before opset 18 (13 for ReduceSum), an input from then on.</summary>
    private string Reduce(string op, string input, string name, long[] axes, bool keepDims)
    {
        int inputSince = op == "ReduceSum" ? 13 : 18;
        long keep = keepDims ? 1 : 0;
        return _g.Opset >= inputSince
            ? _g.Node(op, name, [input, _g.Longs(axes)], ("keepdims", keep))
            : _g.Node(op, name, [input], ("axes", axes), ("keepdims", keep));
    }
}
