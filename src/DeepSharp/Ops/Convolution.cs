using DeepSharp.Kernels;

namespace DeepSharp;

// 2-D convolutions in Keras' layout: images NHWC (batch, height, width, channels), kernels HWIO (height,
// width, in, out) for Conv2D and HWOI (height, width, out, in) for Conv2DTranspose. "same" padding follows
// Keras/TensorFlow: the output has ceil(size / stride) pixels and the padding that needs, when odd, has its
// extra row or column at the bottom/right (PyTorch pads symmetrically instead).
public static unsafe partial class Ops
{
    // ---- conv2d: dx = scatter(dy · Wᵀ), dW = patchesᵀ · dy, db = Σ dy ----------------------------------

    /// <summary>
    /// 2-D convolution (cross-correlation, as every framework computes it) of NHWC <paramref name="input"/> with
    /// an HWIO <paramref name="kernel"/> (kh, kw, in, out), plus <paramref name="bias"/> (out) when given, as
    /// Keras' <c>ops.conv</c> with <c>Conv2D</c>'s bias.
    /// </summary>
    /// <param name="input">Images (batch, height, width, channels).</param>
    /// <param name="kernel">Weights (kernelHeight, kernelWidth, channels, filters).</param>
    /// <param name="bias">Per-filter bias (filters), or null.</param>
    /// <param name="strides">Step between windows; 1 by default.</param>
    /// <param name="padding">"valid" (no padding) or "same" (output of ceil(size / stride)).</param>
    /// <param name="dilationRate">Spacing between kernel taps; 1 by default.</param>
    /// <param name="groups">
    /// Channel groups, each convolved with its own filters (the kernel then holds channels / groups input channels); 1 by
    /// default. Groups of one channel are a depthwise convolution and run on its kernels.
    /// </param>
    public static Tensor Conv2D(Tensor input, Tensor kernel, Tensor? bias = null, Size2D? strides = null,
        string padding = "valid", Size2D? dilationRate = null, int groups = 1) =>
        Conv2D(input, kernel, bias, strides ?? 1, ParsePadding("Conv2D", padding), dilationRate ?? 1, groups, relu: false, "Conv2D");

    /// <summary>
    /// activation(conv2d(input, kernel) + bias), the Conv2D layer's path: a ReLU is computed inside the
    /// convolution's output pass, any other activation after it.
    /// </summary>
    internal static Tensor Conv2D(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation,
        IActivation activation, string owner) => Conv2D(input, kernel, bias, strides, samePadding, dilation, groups: 1, activation, owner);

    internal static Tensor Conv2D(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation,
        int groups, IActivation activation, string owner)
    {
        var y = Conv2D(input, kernel, bias, strides, samePadding, dilation, groups, activation.IsRelu, owner);
        return activation.IsRelu ? y : Activate(y, activation);
    }

    /// <summary>The convolution, with a ReLU fused into its output pass when <paramref name="relu"/>.</summary>
    internal static Tensor Conv2D(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation,
        bool relu, string owner) => Conv2D(input, kernel, bias, strides, samePadding, dilation, groups: 1, relu, owner);

    internal static Tensor Conv2D(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation,
        int groups, bool relu, string owner)
    {
        CheckConv2DOperands(input, kernel, bias, strides, dilation, owner);
        if (groups != 1) return GroupedConv2D(input, kernel, bias, strides, samePadding, dilation, groups, relu, owner);
        var g = Conv2DShape(input, kernel, bias, strides, samePadding, dilation, owner);
        return Convolve(input, kernel, bias, g, relu ? FusedActivation.Relu : FusedActivation.None, null,
            new TensorShape(g.Batch, g.OutputHeight, g.OutputWidth, g.Filters), "conv2d");
    }

    /// <summary>Refuses disposed operands, strides or dilation below 1, and a kernel that is not (kh, kw, in, out), naming <paramref name="owner"/>.</summary>
    private static void CheckConv2DOperands(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, Size2D dilation, string owner)
    {
        input.ThrowIfDisposed();
        kernel.ThrowIfDisposed();
        bias?.ThrowIfDisposed();
        strides.RequirePositive(owner, "strides");
        dilation.RequirePositive(owner, "dilationRate");
        if (kernel.Rank != 4)
            throw new ArgumentException($"{owner}: the kernel must have rank 4 (kernelHeight, kernelWidth, inChannels, filters); got shape {kernel._shape}.", nameof(kernel));
    }

    /// <summary>The geometry of an ungrouped conv2d of <paramref name="input"/> with <paramref name="kernel"/>, its bias checked against the filters.</summary>
    private static ConvolutionGeometry Conv2DShape(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation, string owner)
    {
        var g = ConvolutionShape(owner, input._shape, kernel._shape[0], kernel._shape[1], kernel._shape[2], kernel._shape[3], strides, samePadding, dilation);
        CheckBias(owner, bias, g.Filters);
        return g;
    }

    // In its own method: the lambda captures parameters, so its closure is allocated on entry to the method that
    // holds it, which would cost every ungrouped convolution an allocation.
    private static Tensor GroupedConv2D(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation,
        int groups, bool relu, string owner) =>
        GroupedConvolution(input, kernel, bias, groups, relu, owner, (x, w, b, depthwise) => depthwise
            ? Depthwise(x, w, b, ConvolutionShape(owner, x._shape, w._shape[0], w._shape[1], x.Rank == 4 ? x._shape[3] : 1, w._shape[3], strides, samePadding, dilation))
            : Conv2D(x, w, b, strides, samePadding, dilation, 1, relu: false, owner));

    /// <summary>
    /// The convolution of <paramref name="g"/> on the GEMM kernels, recorded with its backward: the one path of
    /// Conv2D and Conv1D (a sequence is an image of height 1, so the 1-D convolution costs nothing more), and of a Conv2D
    /// fused with the LeakyReLU and Dropout after it (<paramref name="mask"/> the dropout mask, shaped as the output, or its
    /// bits when <paramref name="activation"/> has a <see cref="FusedActivation.MaskScale"/>; the node keeps it).
    /// </summary>
    private static Tensor Convolve(Tensor input, Tensor kernel, Tensor? bias, in ConvolutionGeometry g, FusedActivation activation, Tensor? mask,
        TensorShape outputShape, string name)
    {
        var x = ContiguousOperand.Of(input);
        var w = ContiguousOperand.Of(kernel);
        var b = bias is null ? null : ContiguousOperand.Of(bias);
        var y = Tensor.Uninitialized(outputShape);
        Convolution.Forward(g, x.Pointer, w.Pointer, b is null ? null : b.Pointer, WithMask(activation, mask), y.Pointer);
        ContiguousOperand.Release(x, input);
        ContiguousOperand.Release(w, kernel);
        if (b is not null) ContiguousOperand.Release(b, bias!);
        var node = bias is null ? Node.Record(name, Conv2DBackward, y, input, kernel) : Node.Record(name, Conv2DBackward, y, input, kernel, bias);
        if (node is null) mask?.Recycle();
        else
        {
            node.Save(new ConvolutionSaved(g, activation)); // without the mask's address: backward finds the kept tensor
            node.Keep(mask);
        }
        return y;
    }

    /// <summary><paramref name="activation"/> with <paramref name="mask"/>'s storage as its mask of floats, or of bits when it has a scale for them.</summary>
    private static FusedActivation WithMask(FusedActivation activation, Tensor? mask) =>
        mask is null ? activation
        : activation.MaskScale > 0f ? activation.WithMaskBits((byte*)mask.Pointer, activation.MaskScale)
        : activation.WithMask(mask.Pointer);

    /// <summary>What a convolution keeps for backward: its geometry and the activation fused into its output.</summary>
    private readonly record struct ConvolutionSaved(ConvolutionGeometry Geometry, FusedActivation Activation);

    private static void Conv2DBackward(Node n, Tensor g)
    {
        Tensor input = n.A!, kernel = n.B!;
        var bias = n.C;
        var (geometry, activation) = n.State<ConvolutionSaved>();
        activation = WithMask(activation, n.Kept.First);
        var x = ContiguousOperand.Of(input);
        var w = ContiguousOperand.Of(kernel);
        var dy = ContiguousOperand.Of(g);
        var dx = input._requiresGrad ? Tensor.Uninitialized(input._shape) : null;
        var dw = kernel._requiresGrad ? Tensor.Uninitialized(kernel._shape) : null;
        var db = bias is not null && bias._requiresGrad ? Tensor.Uninitialized(bias._shape) : null;
        Convolution.Backward(geometry, x.Pointer, w.Pointer, dy.Pointer, activation.IsNone ? null : n.Output.Pointer,
            activation, dx is null ? null : dx.Pointer, dw is null ? null : dw.Pointer, db is null ? null : db.Pointer);
        ContiguousOperand.Release(x, input);
        ContiguousOperand.Release(w, kernel);
        ContiguousOperand.Release(dy, g);
        if (dx is not null) GradientEngine.Accumulate(input, dx);
        if (dw is not null) GradientEngine.Accumulate(kernel, dw);
        if (db is not null) GradientEngine.Accumulate(bias!, db);
    }

    // ---- conv2d transpose: the adjoint of conv2d in x; dx = conv2d(dy, W), dW = patches(dy)ᵀ · x -----------

    /// <summary>
    /// Transposed 2-D convolution (the gradient of <see cref="Conv2D(Tensor, Tensor, Tensor?, Size2D?, string, Size2D?, int)"/>
    /// with respect to its input, sometimes called deconvolution) of NHWC <paramref name="input"/> with a Keras
    /// Conv2DTranspose kernel (kh, kw, filters, inChannels), plus <paramref name="bias"/> (filters) when given.
    /// The output size follows Keras: with no <paramref name="outputPadding"/>, size·stride + max(k − stride, 0)
    /// for "valid" and size·stride for "same"; with it, (size − 1)·stride + k − 2·pad + outputPadding, where pad
    /// is k / 2 for "same" and 0 for "valid" (k the dilated kernel extent).
    /// </summary>
    /// <param name="input">Images (batch, height, width, inChannels).</param>
    /// <param name="kernel">Weights (kernelHeight, kernelWidth, filters, inChannels).</param>
    /// <param name="bias">Per-filter bias (filters), or null.</param>
    /// <param name="strides">Upsampling step; 1 by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="dilationRate">Spacing between kernel taps; 1 by default.</param>
    /// <param name="outputPadding">Extra rows and columns at the bottom/right; each below its stride. Null for Keras' default sizes.</param>
    public static Tensor Conv2DTranspose(Tensor input, Tensor kernel, Tensor? bias = null, Size2D? strides = null,
        string padding = "valid", Size2D? dilationRate = null, Size2D? outputPadding = null) =>
        Conv2DTranspose(input, kernel, bias, strides ?? 1, ParsePadding("Conv2DTranspose", padding), dilationRate ?? 1, outputPadding, "Conv2DTranspose");

    /// <summary>
    /// activation(conv2dTranspose(input, kernel) + bias), the Conv2DTranspose layer's path: its output pass takes no
    /// activation in, so the activation follows.
    /// </summary>
    internal static Tensor Conv2DTranspose(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation,
        Size2D? outputPadding, IActivation activation, string owner) =>
        Activate(Conv2DTranspose(input, kernel, bias, strides, samePadding, dilation, outputPadding, owner), activation);

    internal static Tensor Conv2DTranspose(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation,
        Size2D? outputPadding, string owner)
    {
        input.ThrowIfDisposed();
        kernel.ThrowIfDisposed();
        bias?.ThrowIfDisposed();
        if (kernel.Rank != 4)
            throw new ArgumentException($"{owner}: the kernel must have rank 4 (kernelHeight, kernelWidth, filters, inChannels); got shape {kernel._shape}.", nameof(kernel));
        var g = TransposeShape(owner, input._shape, kernel._shape, strides, samePadding, dilation, outputPadding);
        CheckBias(owner, bias, g.Channels);
        var x = ContiguousOperand.Of(input);
        var w = ContiguousOperand.Of(kernel);
        var y = Tensor.Uninitialized(new TensorShape(g.Batch, g.Height, g.Width, g.Channels));
        // The transposed convolution is the input gradient of the convolution y → x.
        Convolution.Backward(g, null, w.Pointer, x.Pointer, null, FusedActivation.None, y.Pointer, null, null);
        if (bias is not null)
        {
            var b = ContiguousOperand.Of(bias);
            ConvolutionPasses.Output(y.Pointer, g.Batch * g.Height * g.Width, g.Channels, b.Pointer, FusedActivation.None);
            ContiguousOperand.Release(b, bias);
        }
        ContiguousOperand.Release(x, input);
        ContiguousOperand.Release(w, kernel);
        var node = bias is null ? Node.Record("conv2d_transpose", Conv2DTransposeBackward, y, input, kernel)
            : Node.Record("conv2d_transpose", Conv2DTransposeBackward, y, input, kernel, bias);
        node?.Save(new ConvolutionSaved(g, FusedActivation.None));
        return y;
    }

    private static void Conv2DTransposeBackward(Node n, Tensor g)
    {
        Tensor input = n.A!, kernel = n.B!;
        var bias = n.C;
        // The geometry of the convolution that this op is the transpose of: its input is our output, its output our input.
        var geometry = n.State<ConvolutionSaved>().Geometry;
        var dy = ContiguousOperand.Of(g);
        if (input._requiresGrad)
        {
            var w = ContiguousOperand.Of(kernel);
            var dx = Tensor.Uninitialized(input._shape);
            Convolution.Forward(geometry, dy.Pointer, w.Pointer, null, FusedActivation.None, dx.Pointer);
            ContiguousOperand.Release(w, kernel);
            GradientEngine.Accumulate(input, dx);
        }
        if (kernel._requiresGrad)
        {
            var x = ContiguousOperand.Of(input);
            var dw = Tensor.Uninitialized(kernel._shape);
            Convolution.Backward(geometry, dy.Pointer, null, x.Pointer, null, FusedActivation.None, null, dw.Pointer, null);
            ContiguousOperand.Release(x, input);
            GradientEngine.Accumulate(kernel, dw);
        }
        if (bias is not null && bias._requiresGrad) GradientEngine.Accumulate(bias, dy.SumToShape(bias._shape));
        ContiguousOperand.Release(dy, g);
    }

    // ---- shapes ---------------------------------------------------------------------------------------

    /// <summary>"valid" → false, "same" → true (any letter case, as Keras); anything else is refused naming <paramref name="owner"/>.</summary>
    internal static bool ParsePadding(string owner, string padding)
    {
        if (string.Equals(padding, "same", StringComparison.OrdinalIgnoreCase)) return true;
        if (string.Equals(padding, "valid", StringComparison.OrdinalIgnoreCase)) return false;
        throw new ArgumentException($"{owner}: padding must be \"valid\" or \"same\"; got \"{padding}\".", nameof(padding));
    }

    /// <summary>
    /// Output length and padding before the first window along one dimension, as Keras and TensorFlow compute
    /// them: "valid" keeps only windows inside the input; "same" gives ceil(length / stride) outputs and pads
    /// (extent − 1 − (length − 1) mod stride, at least 0) in total, the smaller half before.
    /// Returns an output length of 0 or less when a "valid" window does not fit.
    /// </summary>
    internal static (int Output, int PadBefore) WindowOutput(int length, int window, int stride, int dilation, bool same)
    {
        int extent = (window - 1) * dilation + 1;
        if (!same) return (length < extent ? 0 : (length - extent) / stride + 1, 0);
        int output = (length + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + extent - length, 0);
        return (output, total / 2);
    }

    /// <summary>The geometry of a convolution of <paramref name="input"/> (batch, h, w, c) with a kh×kw×c×f kernel.</summary>
    internal static ConvolutionGeometry ConvolutionShape(string owner, in TensorShape input, int kernelHeight, int kernelWidth,
        int kernelChannels, int filters, Size2D strides, bool same, Size2D dilation)
    {
        if (input.Rank != 4)
            throw new ArgumentException($"{owner} expects input of rank 4 (batch, height, width, channels), got {input}.", nameof(input));
        if (input[3] != kernelChannels)
            throw new ArgumentException(
                $"{owner}: the input has {input[3]} channels (shape {input}) but the kernel expects {kernelChannels} " +
                $"(kernel shape ({kernelHeight}, {kernelWidth}, {kernelChannels}, {filters})).", nameof(input));
        RequireSpan(owner, kernelHeight, kernelWidth, dilation);
        var (oh, padTop) = WindowOutput(input[1], kernelHeight, strides.Height, dilation.Height, same);
        var (ow, padLeft) = WindowOutput(input[2], kernelWidth, strides.Width, dilation.Width, same);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException(
                $"{owner}: the kernel ({kernelHeight}, {kernelWidth}) with dilation {dilation} spans " +
                $"({(kernelHeight - 1) * dilation.Height + 1}, {(kernelWidth - 1) * dilation.Width + 1}) pixels, more than the input's " +
                $"({input[1]}, {input[2]}) (input shape {input}) with \"valid\" padding. Use padding \"same\" or a smaller kernel.", nameof(input));
        return new ConvolutionGeometry
        {
            Batch = input[0], Height = input[1], Width = input[2], Channels = input[3],
            KernelHeight = kernelHeight, KernelWidth = kernelWidth, Filters = filters,
            StrideHeight = strides.Height, StrideWidth = strides.Width, DilationHeight = dilation.Height, DilationWidth = dilation.Width,
            PadTop = padTop, PadLeft = padLeft, OutputHeight = oh, OutputWidth = ow,
        };
    }

    /// <summary>
    /// Refuses a kernel whose dilated span, or the padding "same" adds for it, is larger than an image dimension can
    /// be: in 32-bit arithmetic it would wrap around to a small size and the kernel would read outside the image.
    /// </summary>
    private static void RequireSpan(string owner, int kernelHeight, int kernelWidth, Size2D dilation)
    {
        long height = (long)(kernelHeight - 1) * dilation.Height + 1, width = (long)(kernelWidth - 1) * dilation.Width + 1;
        if (height > int.MaxValue / 2 || width > int.MaxValue / 2)
            throw new ArgumentException(
                $"{owner}: the kernel ({kernelHeight}, {kernelWidth}) with dilation {dilation} spans ({height}, {width}) pixels, " +
                $"more than an image dimension can be with its padding ({int.MaxValue / 2}).", nameof(dilation));
    }

    /// <summary>Keras' output length of a transposed convolution along one dimension.</summary>
    internal static int TransposeOutputLength(int length, int window, int stride, int dilation, bool same, int? outputPadding)
    {
        int extent = (window - 1) * dilation + 1;
        if (outputPadding is not { } extra)
            return same ? length * stride : length * stride + Math.Max(extent - stride, 0);
        int pad = same ? extent / 2 : 0;
        return (length - 1) * stride + extent - 2 * pad + extra;
    }

    /// <summary>
    /// The geometry of the convolution whose input gradient a transposed convolution computes: that
    /// convolution's input is the transposed one's output (filters channels), its output the transposed one's input.
    /// </summary>
    internal static ConvolutionGeometry TransposeShape(string owner, in TensorShape input, in TensorShape kernel, Size2D strides,
        bool same, Size2D dilation, Size2D? outputPadding)
    {
        strides.RequirePositive(owner, "strides");
        dilation.RequirePositive(owner, "dilationRate");
        if (input.Rank != 4)
            throw new ArgumentException($"{owner} expects input of rank 4 (batch, height, width, channels), got {input}.", nameof(input));
        if (input[3] != kernel[3])
            throw new ArgumentException(
                $"{owner}: the input has {input[3]} channels (shape {input}) but the kernel (kernelHeight, kernelWidth, filters, inChannels) " +
                $"has shape {kernel}, which expects {kernel[3]}.", nameof(input));
        RequireSpan(owner, kernel[0], kernel[1], dilation);
        if ((long)input[1] * strides.Height + (long)(kernel[0] - 1) * dilation.Height >= int.MaxValue
            || (long)input[2] * strides.Width + (long)(kernel[1] - 1) * dilation.Width >= int.MaxValue)
            throw new ArgumentException($"{owner}: input shape {input} with strides {strides} gives an output larger than an image dimension can be ({int.MaxValue}).", nameof(strides));
        if (outputPadding is { } op && (op.Height < 0 || op.Width < 0 || op.Height >= strides.Height || op.Width >= strides.Width))
            throw new ArgumentOutOfRangeException(nameof(outputPadding), op,
                $"{owner}: outputPadding {op} must be non-negative and smaller than the strides {strides}.");
        int height = TransposeOutputLength(input[1], kernel[0], strides.Height, dilation.Height, same, outputPadding?.Height);
        int width = TransposeOutputLength(input[2], kernel[1], strides.Width, dilation.Width, same, outputPadding?.Width);
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"{owner}: input shape {input} with kernel {kernel} gives an empty output ({height}, {width}).", nameof(input));
        var g = ConvolutionShape(owner, new TensorShape(input[0], height, width, kernel[2]), kernel[0], kernel[1], kernel[2], kernel[3],
            strides, same, dilation);
        if (g.OutputHeight != input[1] || g.OutputWidth != input[2])
            throw new ArgumentException(
                $"{owner}: an output of ({height}, {width}) does not map back onto the input's ({input[1]}, {input[2]}) pixels " +
                $"with kernel {kernel}, strides {strides} and this padding.", nameof(input));
        return g;
    }

    private static void CheckBias(string owner, Tensor? bias, int filters)
    {
        if (bias is not null && (bias.Rank != 1 || bias._shape[0] != filters))
            throw new ArgumentException($"{owner}: the bias must have shape ({filters}), one value per filter; got {bias._shape}.", nameof(bias));
    }
}

/// <summary>Convolutions as members of <see cref="Tensor"/>.</summary>
public static partial class TensorMembers
{
    extension(Tensor input)
    {
        /// <summary>2-D convolution of NHWC images with an HWIO kernel; see <see cref="Ops.Conv2D(Tensor, Tensor, Tensor?, Size2D?, string, Size2D?, int)"/>.</summary>
        public Tensor Conv2D(Tensor kernel, Tensor? bias = null, Size2D? strides = null, string padding = "valid", Size2D? dilationRate = null, int groups = 1) =>
            Ops.Conv2D(input, kernel, bias, strides, padding, dilationRate, groups);
    }
}
