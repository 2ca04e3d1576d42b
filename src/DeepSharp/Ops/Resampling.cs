using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    // ---- upsampling: dx = each pixel's share of the gradient of the pixels made from it ----------------

    /// <summary>
    /// Enlarges NHWC images by integer <paramref name="size"/> factors, as Keras' <c>UpSampling2D</c>:
    /// "nearest" repeats each pixel; "bilinear" interpolates with half-pixel centres (as TensorFlow's and
    /// PyTorch's resize, align_corners false).
    /// </summary>
    /// <param name="x">Images (batch, height, width, channels).</param>
    /// <param name="size">Factors along height and width; positive.</param>
    /// <param name="interpolation">"nearest" or "bilinear".</param>
    public static Tensor UpSampling2D(Tensor x, Size2D size, string interpolation = "nearest") =>
        UpSampling2D(x, size, ParseInterpolation("UpSampling2D", interpolation), "UpSampling2D");

    internal static Tensor UpSampling2D(Tensor x, Size2D size, bool bilinear, string owner)
    {
        x.ThrowIfDisposed();
        size.RequirePositive(owner, "size");
        if (x.Rank != 4)
            throw new ArgumentException($"{owner} expects input of rank 4 (batch, height, width, channels), got {x._shape}.", nameof(x));
        int n = x._shape[0], h = x._shape[1], w = x._shape[2], c = x._shape[3];
        if ((long)h * size.Height > int.MaxValue || (long)w * size.Width > int.MaxValue)
            throw new ArgumentException($"{owner}: input {x._shape} enlarged by {size} would be ({(long)h * size.Height}, {(long)w * size.Width}) pixels, more than a tensor dimension can be ({int.MaxValue}).", nameof(size));
        var input = ContiguousOperand.Of(x);
        var y = Tensor.Uninitialized(new TensorShape(n, h * size.Height, w * size.Width, c));
        if (bilinear) Resampling.BilinearForward(input.Pointer, n, h, w, c, h * size.Height, w * size.Width, y.Pointer);
        else Resampling.NearestForward(input.Pointer, n, h, w, c, size.Height, size.Width, y.Pointer);
        ContiguousOperand.Release(input, x);
        Node.Record(bilinear ? "upsampling2d_bilinear" : "upsampling2d", UpSampling2DBackward, y, x)?.Save(new UpSamplingSaved(size, bilinear));
        return y;
    }

    private readonly record struct UpSamplingSaved(Size2D Size, bool Bilinear);

    private static void UpSampling2DBackward(Node node, Tensor g)
    {
        var x = node.A!;
        var (size, bilinear) = node.State<UpSamplingSaved>();
        int n = x._shape[0], h = x._shape[1], w = x._shape[2], c = x._shape[3];
        var dy = ContiguousOperand.Of(g);
        var dx = Tensor.Uninitialized(x._shape);
        if (bilinear) Resampling.BilinearBackward(dy.Pointer, n, h, w, c, h * size.Height, w * size.Width, dx.Pointer);
        else Resampling.NearestBackward(dy.Pointer, n, h, w, c, size.Height, size.Width, dx.Pointer);
        ContiguousOperand.Release(dy, g);
        GradientEngine.Accumulate(x, dx);
    }

    /// <summary>"nearest" → false, "bilinear" → true; anything else is refused naming <paramref name="owner"/>.</summary>
    internal static bool ParseInterpolation(string owner, string interpolation)
    {
        if (string.Equals(interpolation, "bilinear", StringComparison.OrdinalIgnoreCase)) return true;
        if (string.Equals(interpolation, "nearest", StringComparison.OrdinalIgnoreCase)) return false;
        throw new ArgumentException($"{owner}: interpolation must be \"nearest\" or \"bilinear\"; got \"{interpolation}\".", nameof(interpolation));
    }
}
