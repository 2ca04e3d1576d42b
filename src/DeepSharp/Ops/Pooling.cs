using DeepSharp.Kernels;

namespace DeepSharp;

// 2-D pooling over NHWC images, as Keras' ops.max_pool / ops.average_pool. "same" padding follows Keras and
// TensorFlow: ceil(size / stride) outputs, the extra padding row or column at the bottom/right, and padded
// positions never take part (not a maximum, not counted in an average).
public static unsafe partial class Ops
{
    // ---- max pooling: dx = dy at each window's (first) maximum, 0 elsewhere ---------------------------

    /// <summary>The largest value of each <paramref name="poolSize"/> window of NHWC <paramref name="input"/>, per channel.</summary>
    /// <param name="input">Images (batch, height, width, channels).</param>
    /// <param name="poolSize">Window size.</param>
    /// <param name="strides">Step between windows; the pool size by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    public static Tensor MaxPool2D(Tensor input, Size2D poolSize, Size2D? strides = null, string padding = "valid") =>
        MaxPool2D(input, poolSize, strides ?? poolSize, ParsePadding("MaxPool2D", padding), "MaxPool2D");

    internal static Tensor MaxPool2D(Tensor input, Size2D poolSize, Size2D strides, bool samePadding, string owner)
    {
        input.ThrowIfDisposed();
        var g = PoolingShape(owner, input._shape, poolSize, strides, samePadding);
        return MaxPool(input, g, new TensorShape(g.Batch, g.OutputHeight, g.OutputWidth, g.Channels));
    }

    /// <summary>Max pooling of <paramref name="g"/>, for images and for sequences (height 1): its output shaped <paramref name="outputShape"/>.</summary>
    private static Tensor MaxPool(Tensor input, in PoolingGeometry g, TensorShape outputShape)
    {
        var x = ContiguousOperand.Of(input);
        var y = Tensor.Uninitialized(outputShape);
        // Indices (int32 in float storage) are only worth computing when backward will want them.
        var indices = Autograd.IsGradEnabled && input._requiresGrad ? Tensor.Uninitialized(y._shape) : null;
        Pooling.MaxForward(g, x.Pointer, y.Pointer, indices is null ? null : (int*)indices.Pointer);
        ContiguousOperand.Release(x, input);
        var node = Node.Record("max_pool2d", MaxPool2DBackward, y, input);
        if (node is null) indices?.Recycle();
        else
        {
            node.Save(g);
            node.Keep(indices);
        }
        return y;
    }

    private static void MaxPool2DBackward(Node n, Tensor g)
    {
        var input = n.A!;
        var geometry = n.State<PoolingGeometry>();
        var indices = n.Kept.First!;
        var dy = ContiguousOperand.Of(g);
        var dx = Tensor.Uninitialized(input._shape);
        Pooling.MaxBackward(geometry, dy.Pointer, (int*)indices.Pointer, dx.Pointer);
        ContiguousOperand.Release(dy, g);
        GradientEngine.Accumulate(input, dx);
    }

    // ---- average pooling: dx = dy / (pixels in the window), spread over the window --------------------

    /// <summary>The mean of each <paramref name="poolSize"/> window of NHWC <paramref name="input"/>, per channel (padding not counted).</summary>
    /// <param name="input">Images (batch, height, width, channels).</param>
    /// <param name="poolSize">Window size.</param>
    /// <param name="strides">Step between windows; the pool size by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    public static Tensor AveragePool2D(Tensor input, Size2D poolSize, Size2D? strides = null, string padding = "valid") =>
        AveragePool2D(input, poolSize, strides ?? poolSize, ParsePadding("AveragePool2D", padding), "AveragePool2D");

    internal static Tensor AveragePool2D(Tensor input, Size2D poolSize, Size2D strides, bool samePadding, string owner)
    {
        input.ThrowIfDisposed();
        var g = PoolingShape(owner, input._shape, poolSize, strides, samePadding);
        return AveragePool(input, g, new TensorShape(g.Batch, g.OutputHeight, g.OutputWidth, g.Channels));
    }

    /// <summary>Average pooling of <paramref name="g"/>, for images and for sequences (height 1).</summary>
    private static Tensor AveragePool(Tensor input, in PoolingGeometry g, TensorShape outputShape)
    {
        var x = ContiguousOperand.Of(input);
        var y = Tensor.Uninitialized(outputShape);
        Pooling.AverageForward(g, x.Pointer, y.Pointer);
        ContiguousOperand.Release(x, input);
        Node.Record("average_pool2d", AveragePool2DBackward, y, input)?.Save(g);
        return y;
    }

    private static void AveragePool2DBackward(Node n, Tensor g)
    {
        var input = n.A!;
        var geometry = n.State<PoolingGeometry>();
        var dy = ContiguousOperand.Of(g);
        var dx = Tensor.Uninitialized(input._shape);
        Pooling.AverageBackward(geometry, dy.Pointer, dx.Pointer);
        ContiguousOperand.Release(dy, g);
        GradientEngine.Accumulate(input, dx);
    }

    // ---- 1-D pooling: the 2-D pooling of a sequence seen as an image of height 1 ------------------------

    /// <summary>The largest value of each <paramref name="poolSize"/> window of <paramref name="input"/> (batch, steps, channels), per channel.</summary>
    /// <param name="input">Sequences (batch, steps, channels).</param>
    /// <param name="poolSize">Window length.</param>
    /// <param name="strides">Step between windows; the pool size by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    public static Tensor MaxPool1D(Tensor input, int poolSize, int? strides = null, string padding = "valid") =>
        MaxPool1D(input, poolSize, strides ?? poolSize, ParsePadding("MaxPool1D", padding), "MaxPool1D");

    internal static Tensor MaxPool1D(Tensor input, int poolSize, int strides, bool samePadding, string owner)
    {
        input.ThrowIfDisposed();
        var g = SequencePoolingShape(owner, input._shape, poolSize, strides, samePadding);
        return MaxPool(input, g, new TensorShape(g.Batch, g.OutputWidth, g.Channels));
    }

    /// <summary>The mean of each <paramref name="poolSize"/> window of <paramref name="input"/> (batch, steps, channels), per channel (padding not counted).</summary>
    /// <param name="input">Sequences (batch, steps, channels).</param>
    /// <param name="poolSize">Window length.</param>
    /// <param name="strides">Step between windows; the pool size by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    public static Tensor AveragePool1D(Tensor input, int poolSize, int? strides = null, string padding = "valid") =>
        AveragePool1D(input, poolSize, strides ?? poolSize, ParsePadding("AveragePool1D", padding), "AveragePool1D");

    internal static Tensor AveragePool1D(Tensor input, int poolSize, int strides, bool samePadding, string owner)
    {
        input.ThrowIfDisposed();
        var g = SequencePoolingShape(owner, input._shape, poolSize, strides, samePadding);
        return AveragePool(input, g, new TensorShape(g.Batch, g.OutputWidth, g.Channels));
    }

    // ---- shapes ---------------------------------------------------------------------------------------

    /// <summary>The geometry of pooling <paramref name="input"/> (batch, steps, channels) as an image of height 1.</summary>
    internal static PoolingGeometry SequencePoolingShape(string owner, in TensorShape input, int poolSize, int strides, bool same)
    {
        RequirePositive(owner, "poolSize", poolSize);
        RequirePositive(owner, "strides", strides);
        if (input.Rank != 3)
            throw new ArgumentException($"{owner} expects input of rank 3 (batch, steps, channels), got {input}.", nameof(input));
        var (length, padBefore) = WindowOutput(input[1], poolSize, strides, 1, same);
        if (length <= 0)
            throw new ArgumentException(
                $"{owner}: the pool size {poolSize} is larger than the input's {input[1]} steps (input shape {input}) " +
                "with \"valid\" padding. Use padding \"same\" or a smaller pool.", nameof(input));
        return new PoolingGeometry
        {
            Batch = input[0], Height = 1, Width = input[1], Channels = input[2],
            PoolHeight = 1, PoolWidth = poolSize, StrideHeight = 1, StrideWidth = strides,
            PadTop = 0, PadLeft = padBefore, OutputHeight = 1, OutputWidth = length,
        };
    }

    /// <summary>The geometry of pooling <paramref name="input"/> (batch, h, w, c); throws naming <paramref name="owner"/>.</summary>
    internal static PoolingGeometry PoolingShape(string owner, in TensorShape input, Size2D poolSize, Size2D strides, bool same)
    {
        poolSize.RequirePositive(owner, "poolSize");
        strides.RequirePositive(owner, "strides");
        if (input.Rank != 4)
            throw new ArgumentException($"{owner} expects input of rank 4 (batch, height, width, channels), got {input}.", nameof(input));
        var (oh, padTop) = WindowOutput(input[1], poolSize.Height, strides.Height, 1, same);
        var (ow, padLeft) = WindowOutput(input[2], poolSize.Width, strides.Width, 1, same);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException(
                $"{owner}: the pool size {poolSize} is larger than the input's ({input[1]}, {input[2]}) (input shape {input}) " +
                "with \"valid\" padding. Use padding \"same\" or a smaller pool.", nameof(input));
        return new PoolingGeometry
        {
            Batch = input[0], Height = input[1], Width = input[2], Channels = input[3],
            PoolHeight = poolSize.Height, PoolWidth = poolSize.Width, StrideHeight = strides.Height, StrideWidth = strides.Width,
            PadTop = padTop, PadLeft = padLeft, OutputHeight = oh, OutputWidth = ow,
        };
    }
}
