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
        var mask = DropoutMask(x.Shape, rate, random ?? RandomGenerator.Default);
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
        var mask = DropoutMask(noiseShape, rate, random ?? RandomGenerator.Default);
        var y = ElementwiseDriver.BinaryValues<MultiplyOperator>(x, mask, "dropout");
        var node = Node.Record("dropout", DropoutBackward, y, x);
        if (node is null) mask.Recycle();
        else node.Keep(mask);
        return y;
    }

    /// <summary>
    /// A new mask of <paramref name="shape"/> for inverted dropout, outside the graph: 1 / (1 − rate) where a unit is
    /// kept, 0 where it is dropped (a recurrent layer's mask on its state, reused at every step).
    /// </summary>
    internal static Tensor DropoutMask(TensorShape shape, float rate, RandomGenerator random)
    {
        var mask = Tensor.Uninitialized(shape);
        BernoulliMask.Fill(mask.Span, 1f - rate, 1f / (1f - rate), random);
        return mask;
    }
}
