using DeepSharp.Kernels;

namespace DeepSharp;

// 1-D convolutions over sequences (batch, steps, channels) with kernels (kernelSize, channels, filters), as Keras'
// Conv1D: a sequence is an image of height 1 and the kernel a 1×k one, in the same memory, so the 2-D kernels
// run it as it is. "causal" padding puts (kernel − 1)·dilation zeros before the sequence, so that output t sees
// steps up to t only (Keras pads, then convolves "valid").
public static unsafe partial class Ops
{
    /// <summary>
    /// 1-D convolution of <paramref name="input"/> (batch, steps, channels) with <paramref name="kernel"/>
    /// (kernelSize, channels / groups, filters), plus <paramref name="bias"/> (filters) when given, as Keras'
    /// <c>Conv1D</c>.
    /// </summary>
    /// <param name="input">Sequences (batch, steps, channels).</param>
    /// <param name="kernel">Weights (kernelSize, channels / groups, filters).</param>
    /// <param name="bias">Per-filter bias (filters), or null.</param>
    /// <param name="strides">Step between windows; 1 by default.</param>
    /// <param name="padding">"valid", "same" (ceil(steps / stride) outputs) or "causal".</param>
    /// <param name="dilationRate">Spacing between kernel taps; 1 by default.</param>
    /// <param name="groups">Channel groups, each convolved with its own filters; 1 by default.</param>
    public static Tensor Conv1D(Tensor input, Tensor kernel, Tensor? bias = null, int strides = 1, string padding = "valid",
        int dilationRate = 1, int groups = 1) =>
        Conv1D(input, kernel, bias, strides, ParseWindowPadding("Conv1D", padding, allowCausal: true), dilationRate, groups, relu: false, "Conv1D");

    /// <summary>activation(conv1d(input, kernel) + bias), the Conv1D layer's path (a ReLU inside the output pass).</summary>
    internal static Tensor Conv1D(Tensor input, Tensor kernel, Tensor? bias, int strides, WindowPadding padding, int dilation, int groups,
        IActivation activation, string owner)
    {
        var y = Conv1D(input, kernel, bias, strides, padding, dilation, groups, activation.IsRelu, owner);
        return activation.IsRelu ? y : Activate(y, activation);
    }

    internal static Tensor Conv1D(Tensor input, Tensor kernel, Tensor? bias, int strides, WindowPadding padding, int dilation, int groups,
        bool relu, string owner)
    {
        input.ThrowIfDisposed();
        kernel.ThrowIfDisposed();
        bias?.ThrowIfDisposed();
        RequirePositive(owner, "strides", strides);
        RequirePositive(owner, "dilationRate", dilation);
        if (kernel.Rank != 3)
            throw new ArgumentException($"{owner}: the kernel must have rank 3 (kernelSize, inChannels, filters); got shape {kernel._shape}.", nameof(kernel));
        if (groups != 1) return GroupedConv1D(input, kernel, bias, strides, padding, dilation, groups, relu, owner);
        var g = SequenceConvolutionShape(owner, input._shape, kernel._shape[0], kernel._shape[1], kernel._shape[2], strides, padding, dilation, depthwise: false);
        CheckBias(owner, bias, g.Filters);
        return Convolve(input, kernel, bias, g, relu ? FusedActivation.Relu : FusedActivation.None, null, new TensorShape(g.Batch, g.OutputWidth, g.Filters), "conv1d");
    }

    // Apart, as GroupedConv2D: the closure over the parameters would otherwise be allocated on every call.
    private static Tensor GroupedConv1D(Tensor input, Tensor kernel, Tensor? bias, int strides, WindowPadding padding, int dilation, int groups,
        bool relu, string owner) =>
        GroupedConvolution(input, kernel, bias, groups, relu, owner, (x, w, b, depthwise) => depthwise
            ? Depthwise(x, w, b, SequenceConvolutionShape(owner, x._shape, w._shape[0], 1, w._shape[2], strides, padding, dilation, depthwise: true))
            : Conv1D(x, w, b, strides, padding, dilation, 1, relu: false, owner));

    /// <summary>
    /// The geometry of a 1-D convolution of <paramref name="input"/> (batch, steps, channels) as a 2-D one of height 1.
    /// A depthwise kernel (kernelSize, 1, filters) reads one channel per group: its channels are the input's.
    /// </summary>
    internal static ConvolutionGeometry SequenceConvolutionShape(string owner, in TensorShape input, int kernelSize, int kernelChannels,
        int filters, int stride, WindowPadding padding, int dilation, bool depthwise)
    {
        if (input.Rank != 3)
            throw new ArgumentException($"{owner} expects input of rank 3 (batch, steps, channels), got {input}.", nameof(input));
        int channels = depthwise ? input[2] : kernelChannels;
        if (input[2] != channels)
            throw new ArgumentException(
                $"{owner}: the input has {input[2]} channels (shape {input}) but the kernel expects {kernelChannels} " +
                $"(kernel shape ({kernelSize}, {kernelChannels}, {filters})).", nameof(input));
        var (length, padBefore) = WindowOutput(input[1], kernelSize, stride, dilation, padding);
        if (length <= 0)
            throw new ArgumentException(
                $"{owner}: the kernel of size {kernelSize} with dilation {dilation} spans {(kernelSize - 1) * dilation + 1} steps, " +
                $"more than the input's {input[1]} (input shape {input}) with \"valid\" padding. Use padding \"same\" or \"causal\", or a smaller kernel.",
                nameof(input));
        return new ConvolutionGeometry
        {
            Batch = input[0], Height = 1, Width = input[1], Channels = channels,
            KernelHeight = 1, KernelWidth = kernelSize, Filters = filters,
            StrideHeight = 1, StrideWidth = stride, DilationHeight = 1, DilationWidth = dilation,
            PadTop = 0, PadLeft = padBefore, OutputHeight = 1, OutputWidth = length,
        };
    }

    /// <summary>Output length and padding before the first window, "causal" included: all of its padding goes before.</summary>
    internal static (int Output, int PadBefore) WindowOutput(int length, int window, int stride, int dilation, WindowPadding padding)
    {
        if (padding != WindowPadding.Causal) return WindowOutput(length, window, stride, dilation, padding == WindowPadding.Same);
        int before = (window - 1) * dilation;
        return (WindowOutput(length + before, window, stride, dilation, same: false).Output, before);
    }

    /// <summary>"valid", "same" and, where <paramref name="allowCausal"/>, "causal" (any letter case, as Keras); anything else is refused naming <paramref name="owner"/>.</summary>
    internal static WindowPadding ParseWindowPadding(string owner, string padding, bool allowCausal)
    {
        ArgumentNullException.ThrowIfNull(padding);
        if (allowCausal && string.Equals(padding, "causal", StringComparison.OrdinalIgnoreCase)) return WindowPadding.Causal;
        if (!allowCausal) return ParsePadding(owner, padding) ? WindowPadding.Same : WindowPadding.Valid;
        if (string.Equals(padding, "same", StringComparison.OrdinalIgnoreCase)) return WindowPadding.Same;
        if (string.Equals(padding, "valid", StringComparison.OrdinalIgnoreCase)) return WindowPadding.Valid;
        throw new ArgumentException($"{owner}: padding must be \"valid\", \"same\" or \"causal\"; got \"{padding}\".", nameof(padding));
    }

    private static void RequirePositive(string owner, string argument, int value)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(argument, value, $"{owner}: {argument} must be a positive integer; got {value}.");
    }
}
