using DeepSharp.Kernels;

namespace DeepSharp;

// A Conv2D layer, the LeakyReLU after it and, in training, the Dropout after that as one op (see FusedActivation): the
// bits of the three layers called one after the other, without the two full-size tensors between them and the passes
// over memory that write and read them.
public static unsafe partial class Ops
{
    // ---- dropout(leaky_relu(conv2d(x, W) + b)): dconv = g·mask, through leaky' read from the output, then conv2d's rule ----

    /// <summary>
    /// Whether a Sequential model runs a layer and the LeakyReLU after it as one op (a Conv2D, with the Dropout after that
    /// too; a BatchNormalization); false runs them apart, for A/B comparisons. Starts false when the environment variable
    /// <c>DEEPSHARP_FUSED_ACTIVATIONS</c> is <c>separate</c>.
    /// </summary>
    internal static bool FusesActivations { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_FUSED_ACTIVATIONS"), "separate", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the fused op keeps its dropout mask as bits (one a value, 1/32 of the floats' memory traffic in forward and
    /// backward; the same draws, so the same values); false keeps a float mask as <see cref="Dropout(Tensor, float, RandomGenerator?)"/>
    /// does, for A/B comparisons. Starts false when the environment variable <c>DEEPSHARP_DROPOUT_MASK</c> is <c>floats</c>.
    /// </summary>
    internal static bool FusedDropoutBits { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DROPOUT_MASK"), "floats", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// dropout(leaky_relu(conv2d(input, kernel) + bias, <paramref name="slope"/>), <paramref name="dropoutRate"/>): the
    /// mask drawn from <paramref name="random"/> as <see cref="Dropout(Tensor, float, RandomGenerator?)"/> draws it; a rate
    /// of 0 is the convolution and the leaky ReLU alone.
    /// </summary>
    internal static Tensor Conv2DLeakyRelu(Tensor input, Tensor kernel, Tensor? bias, Size2D strides, bool samePadding, Size2D dilation,
        float slope, float dropoutRate, RandomGenerator? random, string owner)
    {
        CheckConv2DOperands(input, kernel, bias, strides, dilation, owner);
        if (!(slope >= 0f) || !float.IsFinite(slope))
            throw new ArgumentOutOfRangeException(nameof(slope), slope, $"{owner}: the leaky ReLU's slope must be a finite number >= 0; got {slope}.");
        if (!(dropoutRate >= 0f && dropoutRate < 1f))
            throw new ArgumentOutOfRangeException(nameof(dropoutRate), dropoutRate, $"{owner}: the dropout rate must be in [0, 1); got {dropoutRate}.");
        var g = Conv2DShape(input, kernel, bias, strides, samePadding, dilation, owner);
        var shape = new TensorShape(g.Batch, g.OutputHeight, g.OutputWidth, g.Filters);
        var activation = FusedActivation.LeakyRelu(slope);
        if (!(dropoutRate > 0f)) return Convolve(input, kernel, bias, g, activation, null, shape, "conv2d_leaky_relu");
        if (!FusedDropoutBits)
            return Convolve(input, kernel, bias, g, activation, DropoutMask(shape, dropoutRate, random ?? RandomGenerator.Default), shape, "conv2d_leaky_relu_dropout");
        var bits = DropoutMaskBits(shape.Size, dropoutRate, random ?? RandomGenerator.Default);
        return Convolve(input, kernel, bias, g, activation.WithMaskBits(null, 1f / (1f - dropoutRate)), bits, shape, "conv2d_leaky_relu_dropout");
    }

    /// <summary>
    /// The mask <see cref="DropoutMask"/> draws for <paramref name="values"/> values, as bits in a tensor's storage (see
    /// <see cref="BernoulliMask.FillBits"/>): read by kernels only, never as floats.
    /// </summary>
    private static Tensor DropoutMaskBits(long values, float rate, RandomGenerator random)
    {
        var mask = Tensor.Uninitialized(new TensorShape((int)((BernoulliMask.BitBytes(values) + 3) / 4)));
        BernoulliMask.FillBits((byte*)mask.Pointer, values, 1f - rate, random);
        return mask;
    }
}
