using System.Numerics.Tensors;
using DeepSharp.Kernels;

namespace DeepSharp;

public static partial class Ops
{
    /// <summary>
    /// Inverted dropout: each element is zeroed with probability <paramref name="rate"/> and the rest are
    /// scaled by 1 / (1 − rate), so the expected value is unchanged and inference needs no rescaling.
    /// </summary>
    public static Tensor Dropout(Tensor x, float rate, RandomGenerator? random = null)
    {
        x.ThrowIfDisposed();
        if (!(rate >= 0f && rate < 1f))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"dropout: rate must be in [0, 1); got {rate}.");
        var rng = random ?? RandomGenerator.Default;
        var mask = Tensor.Uninitialized(x.Shape);
        BernoulliMask.Fill(mask.Span, 1f - rate, 1f / (1f - rate), rng);
        var source = ContiguousOperand.Of(x);
        var y = Tensor.Uninitialized(x.Shape);
        TensorPrimitives.Multiply(source.Span, mask.Span, y.Span);
        ContiguousOperand.Release(source, x);
        var node = Node.Record("dropout", DropoutBackward, y, x);
        if (node is null) mask.Recycle();
        else node.Keep(mask);
        return y;
    }

    // dx = g · mask (the mask broadcast when it was drawn with a noise shape).
    private static void DropoutBackward(Node n, Tensor g) =>
        GradientEngine.Accumulate(n.A!, ElementwiseDriver.BinaryValues<MultiplyOperator>(g, n.Kept.First!, "dropout"));

    /// <summary>
    /// Dropout with one random draw per element of <paramref name="noiseShape"/>, broadcast over
    /// <paramref name="x"/> (Keras' <c>noise_shape</c>): with (batch, 1, 1, channels) on NHWC images whole
    /// feature maps are dropped together, as <c>SpatialDropout2D</c> does.
    /// </summary>
    public static Tensor Dropout(Tensor x, float rate, TensorShape noiseShape, RandomGenerator? random = null)
    {
        x.ThrowIfDisposed();
        if (!(rate >= 0f && rate < 1f))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"dropout: rate must be in [0, 1); got {rate}.");
        if (!Broadcasting.CanBroadcastTo(noiseShape, x._shape))
            throw new ArgumentException($"dropout: noiseShape {noiseShape} does not broadcast to the input's shape {x._shape}.", nameof(noiseShape));
        var mask = Tensor.Uninitialized(noiseShape);
        BernoulliMask.Fill(mask.Span, 1f - rate, 1f / (1f - rate), random ?? RandomGenerator.Default);
        var y = ElementwiseDriver.BinaryValues<MultiplyOperator>(x, mask, "dropout");
        var node = Node.Record("dropout", DropoutBackward, y, x);
        if (node is null) mask.Recycle();
        else node.Keep(mask);
        return y;
    }
}
