using DeepSharp.Kernels;

namespace DeepSharp;

// Depthwise and separable 2-D convolutions in Keras' layouts: images NHWC, depthwise kernels (kh, kw, channels,
// depthMultiplier) whose output channel c·M + m is channel c convolved with kernel[..., c, m], pointwise kernels
// (1, 1, channels·M, filters). Padding and strides as Conv2D.
public static unsafe partial class Ops
{
    // ---- depthwise conv2d: dx[c] = Σ_m,taps dy[c·M+m]·w, dW = Σ_pixels x·dy per channel, db = Σ dy ---------

    /// <summary>
    /// Depthwise 2-D convolution, as Keras' <c>ops.depthwise_conv</c> with <c>DepthwiseConv2D</c>'s bias: each input
    /// channel convolved with its own <paramref name="kernel"/> (kh, kw, channels, depthMultiplier), giving
    /// channels·depthMultiplier outputs, plus <paramref name="bias"/> (channels·depthMultiplier) when given.
    /// </summary>
    /// <param name="input">Images (batch, height, width, channels).</param>
    /// <param name="kernel">Weights (kernelHeight, kernelWidth, channels, depthMultiplier).</param>
    /// <param name="bias">Per-output-channel bias, or null.</param>
    /// <param name="strides">Step between windows; 1 by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="dilationRate">Spacing between kernel taps; 1 by default.</param>
    public static Tensor DepthwiseConv2D(Tensor input, Tensor kernel, Tensor? bias = null, Size2D? strides = null,
        string padding = "valid", Size2D? dilationRate = null) =>
        DepthwiseConv2D(input, kernel, bias, strides ?? 1, ParsePadding("DepthwiseConv2D", padding), dilationRate ?? 1, "DepthwiseConv2D");

    /// <summary>activation(depthwise(input, kernel) + bias), the DepthwiseConv2D layer's path (the bias inside the output pass).</summary>
    internal static Tensor DepthwiseConv2D(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation,
        IActivation activation, string owner) =>
        Activate(DepthwiseConv2D(input, kernel, bias, strides, samePadding, dilation, owner), activation);

    internal static Tensor DepthwiseConv2D(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation, string owner)
    {
        input.ThrowIfDisposed();
        kernel.ThrowIfDisposed();
        bias?.ThrowIfDisposed();
        strides.RequirePositive(owner, "strides");
        dilation.RequirePositive(owner, "dilationRate");
        if (kernel.Rank != 4)
            throw new ArgumentException(
                $"{owner}: the kernel must have rank 4 (kernelHeight, kernelWidth, channels, depthMultiplier); got shape {kernel._shape}.", nameof(kernel));
        if (input.Rank == 4 && input._shape[3] != kernel._shape[2])
            throw new ArgumentException(
                $"{owner}: the input has {input._shape[3]} channels (shape {input._shape}) but the depthwise kernel (kernelHeight, kernelWidth, " +
                $"channels, depthMultiplier) has shape {kernel._shape}, which expects {kernel._shape[2]}.", nameof(input));
        var g = ConvolutionShape(owner, input._shape, kernel._shape[0], kernel._shape[1], kernel._shape[2], kernel._shape[2] * kernel._shape[3],
            strides, samePadding, dilation);
        CheckBias(owner, bias, g.Filters);
        return Depthwise(input, kernel, bias, g);
    }

    /// <summary>
    /// The depthwise convolution of <paramref name="g"/> (E = g.Filters output channels, a multiple of g.Channels), its
    /// output shaped as the input: (batch, height, width, E) for images, (batch, steps, E) for sequences.
    /// </summary>
    private static Tensor Depthwise(Tensor input, Tensor kernel, Tensor? bias, in ConvolutionGeometry g)
    {
        var x = ContiguousOperand.Of(input);
        var w = ContiguousOperand.Of(kernel);
        var b = bias is null ? null : ContiguousOperand.Of(bias);
        var shape = input.Rank == 3
            ? new TensorShape(g.Batch, g.OutputWidth, g.Filters)
            : new TensorShape(g.Batch, g.OutputHeight, g.OutputWidth, g.Filters);
        var y = Tensor.Uninitialized(shape);
        DepthwiseConvolution.Forward(g, x.Pointer, w.Pointer, b is null ? null : b.Pointer, y.Pointer);
        ContiguousOperand.Release(x, input);
        ContiguousOperand.Release(w, kernel);
        if (b is not null) ContiguousOperand.Release(b, bias!);
        var node = bias is null
            ? Node.Record("depthwise_conv", DepthwiseBackward, y, input, kernel)
            : Node.Record("depthwise_conv", DepthwiseBackward, y, input, kernel, bias);
        node?.Save(g);
        return y;
    }

    private static void DepthwiseBackward(Node n, Tensor g)
    {
        Tensor input = n.A!, kernel = n.B!;
        var bias = n.C;
        var geometry = n.State<ConvolutionGeometry>();
        var x = ContiguousOperand.Of(input);
        var w = ContiguousOperand.Of(kernel);
        var dy = ContiguousOperand.Of(g);
        var dx = input._requiresGrad ? Tensor.Uninitialized(input._shape) : null;
        var dw = kernel._requiresGrad ? Tensor.Uninitialized(kernel._shape) : null;
        var db = bias is not null && bias._requiresGrad ? Tensor.Uninitialized(bias._shape) : null;
        DepthwiseConvolution.Backward(geometry, x.Pointer, w.Pointer, dy.Pointer,
            dx is null ? null : dx.Pointer, dw is null ? null : dw.Pointer, db is null ? null : db.Pointer);
        ContiguousOperand.Release(x, input);
        ContiguousOperand.Release(w, kernel);
        ContiguousOperand.Release(dy, g);
        if (dx is not null) GradientEngine.Accumulate(input, dx);
        if (dw is not null) GradientEngine.Accumulate(kernel, dw);
        if (db is not null) GradientEngine.Accumulate(bias!, db);
    }

    // ---- separable conv2d: a depthwise convolution, then a 1×1 convolution ------------------------------

    /// <summary>
    /// Separable 2-D convolution, as Keras' <c>ops.separable_conv</c> with <c>SeparableConv2D</c>'s bias: the depthwise
    /// convolution of <paramref name="depthwiseKernel"/> (kh, kw, channels, depthMultiplier), then the 1×1 convolution of
    /// <paramref name="pointwiseKernel"/> (1, 1, channels·depthMultiplier, filters), plus <paramref name="bias"/> (filters).
    /// </summary>
    /// <param name="input">Images (batch, height, width, channels).</param>
    /// <param name="depthwiseKernel">Depthwise weights (kernelHeight, kernelWidth, channels, depthMultiplier).</param>
    /// <param name="pointwiseKernel">Pointwise weights (1, 1, channels·depthMultiplier, filters).</param>
    /// <param name="bias">Per-filter bias, or null.</param>
    /// <param name="strides">Step between windows of the depthwise convolution; 1 by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="dilationRate">Spacing between depthwise kernel taps; 1 by default.</param>
    public static Tensor SeparableConv2D(Tensor input, Tensor depthwiseKernel, Tensor pointwiseKernel, Tensor? bias = null,
        Size2D? strides = null, string padding = "valid", Size2D? dilationRate = null) =>
        SeparableConv2D(input, depthwiseKernel, pointwiseKernel, bias, strides ?? 1, ParsePadding("SeparableConv2D", padding), dilationRate ?? 1,
            relu: false, "SeparableConv2D");

    /// <summary>activation(separable(input) + bias), the SeparableConv2D layer's path (a ReLU inside the pointwise output pass).</summary>
    internal static Tensor SeparableConv2D(Tensor input, Tensor depthwiseKernel, Tensor pointwiseKernel, Tensor? bias, Size2D strides,
        bool samePadding, Size2D dilation, IActivation activation, string owner)
    {
        var y = SeparableConv2D(input, depthwiseKernel, pointwiseKernel, bias, strides, samePadding, dilation, activation.IsRelu, owner);
        return activation.IsRelu ? y : Activate(y, activation);
    }

    private static Tensor SeparableConv2D(Tensor input, Tensor depthwiseKernel, Tensor pointwiseKernel, Tensor? bias, Size2D strides,
        bool samePadding, Size2D dilation, bool relu, string owner)
    {
        pointwiseKernel.ThrowIfDisposed();
        if (pointwiseKernel.Rank != 4 || pointwiseKernel._shape[0] != 1 || pointwiseKernel._shape[1] != 1)
            throw new ArgumentException(
                $"{owner}: the pointwise kernel must have shape (1, 1, channels·depthMultiplier, filters); got {pointwiseKernel._shape}.", nameof(pointwiseKernel));
        var depthwise = DepthwiseConv2D(input, depthwiseKernel, null, strides, samePadding, dilation, owner);
        return Conv2D(depthwise, pointwiseKernel, bias, 1, samePadding: false, 1, relu, owner);
    }
}
