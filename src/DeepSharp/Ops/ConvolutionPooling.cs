using DeepSharp.Kernels;

namespace DeepSharp;

// A Conv2D layer and the 2×2 max pooling after it as one op (see PooledConvolution): the same values as Conv2D
// followed by MaxPool2D, without the full-size activation between them.
public static unsafe partial class Ops
{
    // ---- maxpool2x2(act(conv2d(x, W) + b)): dconv = dy at each window's maximum (through the ReLU), then conv2d's rule ----

    /// <summary>Whether <see cref="Conv2DMaxPool"/> runs on this machine (else the caller runs the two ops apart).</summary>
    internal static bool FusesConvolutionPooling => PooledConvolution.Available;

    /// <summary>
    /// maxpool(act(conv2d(input, kernel) + bias)) with a 2×2 pool at stride 2 and "valid" padding; act is a ReLU when
    /// <paramref name="relu"/>, else none. Only where <see cref="FusesConvolutionPooling"/>.
    /// </summary>
    internal static Tensor Conv2DMaxPool(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation,
        bool relu, string owner)
    {
        input.ThrowIfDisposed();
        kernel.ThrowIfDisposed();
        bias?.ThrowIfDisposed();
        if (kernel.Rank != 4)
            throw new ArgumentException($"{owner}: the kernel must have rank 4 (kernelHeight, kernelWidth, inChannels, filters); got shape {kernel._shape}.", nameof(kernel));
        var g = ConvolutionShape(owner, input._shape, kernel._shape[0], kernel._shape[1], kernel._shape[2], kernel._shape[3], strides, samePadding, dilation);
        CheckBias(owner, bias, g.Filters);
        if (g.OutputHeight < 2 || g.OutputWidth < 2)
            throw new ArgumentException(
                $"{owner}: the convolution's output ({g.OutputHeight}, {g.OutputWidth}) is smaller than the 2×2 pool after it.", nameof(input));
        var activation = relu ? FusedActivation.Relu : FusedActivation.None;
        var x = ContiguousOperand.Of(input);
        var w = ContiguousOperand.Of(kernel);
        var b = bias is null ? null : ContiguousOperand.Of(bias);
        var y = Tensor.Uninitialized(new TensorShape(g.Batch, g.OutputHeight / 2, g.OutputWidth / 2, g.Filters));
        // The window positions of the maxima (a byte each, four to a float), only when backward will want them.
        bool recording = Autograd.IsGradEnabled && (input._requiresGrad || kernel._requiresGrad || (bias is not null && bias._requiresGrad));
        var indices = recording ? Tensor.Uninitialized(new TensorShape((y.Size + 3) / 4)) : null;
        PooledConvolution.Forward(g, x.Pointer, w.Pointer, b is null ? null : b.Pointer, activation, y.Pointer,
            indices is null ? null : (byte*)indices.Pointer);
        ContiguousOperand.Release(x, input);
        ContiguousOperand.Release(w, kernel);
        if (b is not null) ContiguousOperand.Release(b, bias!);
        var node = bias is null ? Node.Record("conv2d_max_pool2d", Conv2DMaxPoolBackward, y, input, kernel)
            : Node.Record("conv2d_max_pool2d", Conv2DMaxPoolBackward, y, input, kernel, bias);
        if (node is null) indices?.Recycle();
        else
        {
            node.Save(new ConvolutionSaved(g, activation));
            node.Keep(indices);
        }
        return y;
    }

    private static void Conv2DMaxPoolBackward(Node n, Tensor g)
    {
        Tensor input = n.A!, kernel = n.B!;
        var bias = n.C;
        var (geometry, activation) = n.State<ConvolutionSaved>();
        var indices = n.Kept.First!;
        var x = ContiguousOperand.Of(input);
        var w = ContiguousOperand.Of(kernel);
        var dy = ContiguousOperand.Of(g);
        var dx = input._requiresGrad ? Tensor.Uninitialized(input._shape) : null;
        var dw = kernel._requiresGrad ? Tensor.Uninitialized(kernel._shape) : null;
        var db = bias is not null && bias._requiresGrad ? Tensor.Uninitialized(bias._shape) : null;
        PooledConvolution.Backward(geometry, x.Pointer, w.Pointer, dy.Pointer, n.Output.Pointer, activation, (byte*)indices.Pointer,
            dx is null ? null : dx.Pointer, dw is null ? null : dw.Pointer, db is null ? null : db.Pointer);
        ContiguousOperand.Release(x, input);
        ContiguousOperand.Release(w, kernel);
        ContiguousOperand.Release(dy, g);
        if (dx is not null) GradientEngine.Accumulate(input, dx);
        if (dw is not null) GradientEngine.Accumulate(kernel, dw);
        if (db is not null) GradientEngine.Accumulate(bias!, db);
    }
}
