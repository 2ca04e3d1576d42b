using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    private const int TransformLength = 8;

    // ---- affine transform: dx = the adjoint of each image's resampling applied to g ---------------------

    /// <summary>
    /// NHWC <paramref name="images"/> each resampled through an affine transform, as Keras'
    /// <c>ops.image.affine_transform</c>: row n of <paramref name="transform"/> (batch, 8) — or one row (8) for every
    /// image — is [a0, a1, a2, b0, b1, b2, c0, c1], and output pixel (x, y) (column, row) reads the input at
    /// (a0·x + a1·y + a2, b0·x + b1·y + b2); c0 and c1 (projective) must be 0. Points outside the image are filled as
    /// <paramref name="fillMode"/> says. The gradient reaches the images (the transform is data, as in Keras).
    /// </summary>
    /// <param name="images">Images (batch, height, width, channels).</param>
    /// <param name="transform">(batch, 8) or (8): the map from output to input points of each image.</param>
    /// <param name="interpolation">"bilinear" (default) or "nearest".</param>
    /// <param name="fillMode">"constant" (default), "nearest", "reflect" or "wrap".</param>
    /// <param name="fillValue">The value outside the image with "constant".</param>
    public static Tensor AffineTransform(Tensor images, Tensor transform, string interpolation = "bilinear", string fillMode = "constant",
        float fillValue = 0f) =>
        AffineTransform(images, transform, interpolation, fillMode, fillValue, "AffineTransform");

    /// <summary>The op with the caller named in messages (a layer's fill mode and interpolation, as the user spelled them).</summary>
    internal static Tensor AffineTransform(Tensor images, Tensor transform, string interpolation, string fillMode, float fillValue, string owner)
    {
        images.ThrowIfDisposed();
        transform.ThrowIfDisposed();
        bool bilinear = ParseInterpolation(owner, interpolation);
        var mode = ParseFillMode(owner, fillMode);
        if (images.Rank != 4)
            throw new ArgumentException($"{owner} expects images of rank 4 (batch, height, width, channels), got {images._shape}.", nameof(images));
        int n = images._shape[0], h = images._shape[1], w = images._shape[2], c = images._shape[3];
        bool shared = transform.Rank == 1;
        if (!(shared && transform._shape[0] == TransformLength) && transform._shape != new TensorShape(n, TransformLength))
            throw new ArgumentException(
                $"{owner}: the transform must be ({n}, {TransformLength}) for images {images._shape}, or ({TransformLength},) for all of them; " +
                $"got {transform._shape}.", nameof(transform));
        var values = transform.ToArray();
        var maps = new AffineMap[n];
        for (int i = 0; i < n; i++)
        {
            var row = values.AsSpan(shared ? 0 : i * TransformLength, TransformLength);
            if (row[6] != 0 || row[7] != 0)
                throw new ArgumentException($"{owner}: projective transforms (c0, c1 = {row[6]}, {row[7]}) are not supported; c0 and c1 must be 0.", nameof(transform));
            // Keras' (x, y) = (column, row): input column = a0·x + a1·y + a2, input row = b0·x + b1·y + b2.
            maps[i] = new AffineMap(RowFromRow: row[4], RowFromColumn: row[3], RowOffset: row[5],
                ColumnFromRow: row[1], ColumnFromColumn: row[0], ColumnOffset: row[2]);
        }
        var x = ContiguousOperand.Of(images);
        var y = Tensor.Uninitialized(images._shape);
        fixed (AffineMap* m = maps) AffineResampling.Forward(x.Pointer, y.Pointer, n, h, w, c, m, mode, fillValue, bilinear);
        ContiguousOperand.Release(x, images);
        if (Node.Record("affine_transform", AffineTransformBackward, y, images) is { } node)
        {
            // The maps go with the node in a tensor, six floats an image.
            var saved = Tensor.Uninitialized([n * 6]);
            fixed (AffineMap* m = maps) new ReadOnlySpan<float>(m, n * 6).CopyTo(saved.Span);
            node.Save(new AffineSaved(mode, bilinear));
            node.Keep(saved);
        }
        return y;
    }

    private readonly record struct AffineSaved(FillMode Mode, bool Bilinear);

    private static void AffineTransformBackward(Node node, Tensor g)
    {
        var x = node.A!;
        var (mode, bilinear) = node.State<AffineSaved>();
        var maps = node.Kept.First!;
        var dy = ContiguousOperand.Of(g);
        var dx = Tensor.Uninitialized(x._shape);
        AffineResampling.Backward(dy.Pointer, dx.Pointer, x._shape[0], x._shape[1], x._shape[2], x._shape[3], (AffineMap*)maps.Pointer, mode, bilinear);
        ContiguousOperand.Release(dy, g);
        GradientEngine.Accumulate(x, dx);
    }

    /// <summary>Keras' fill modes: "constant", "nearest", "reflect" (d c b a | a b c d | d c b a), "wrap"; anything else is refused naming <paramref name="owner"/>.</summary>
    internal static FillMode ParseFillMode(string owner, string fillMode)
    {
        ArgumentNullException.ThrowIfNull(fillMode);
        return fillMode.ToLowerInvariant() switch
        {
            "constant" => FillMode.Constant,
            "nearest" => FillMode.Nearest,
            "reflect" => FillMode.Reflect,
            "wrap" => FillMode.Wrap,
            _ => throw new ArgumentException(
                $"{owner}: fillMode must be \"reflect\", \"wrap\", \"constant\" or \"nearest\"; got \"{fillMode}\".", nameof(fillMode)),
        };
    }
}
