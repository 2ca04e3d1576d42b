using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    // ---- resize: dx = each input pixel's share of the outputs interpolated from it ---------------------

    /// <summary>
    /// NHWC <paramref name="images"/> resized to <paramref name="height"/> × <paramref name="width"/>, as Keras'
    /// <c>ops.image.resize</c> without antialiasing: "bilinear" with half-pixel centres (TensorFlow's resize, PyTorch's
    /// <c>interpolate(align_corners=False)</c>) or "nearest" (half-pixel centres, PyTorch's "nearest-exact").
    /// </summary>
    /// <param name="images">Images (batch, height, width, channels).</param>
    /// <param name="height">Output height; positive.</param>
    /// <param name="width">Output width; positive.</param>
    /// <param name="interpolation">"bilinear" (default) or "nearest".</param>
    public static Tensor Resize(Tensor images, int height, int width, string interpolation = "bilinear") =>
        Resize(images, height, width, ParseInterpolation("Resize", interpolation), "Resize");

    internal static Tensor Resize(Tensor images, int height, int width, bool bilinear, string owner)
    {
        images.ThrowIfDisposed();
        RequirePositive(owner, nameof(height), height);
        RequirePositive(owner, nameof(width), width);
        if (images.Rank != 4)
            throw new ArgumentException($"{owner} expects input of rank 4 (batch, height, width, channels), got {images._shape}.", nameof(images));
        if (images._shape[1] == height && images._shape[2] == width) return images;
        int n = images._shape[0], h = images._shape[1], w = images._shape[2], c = images._shape[3];
        var x = ContiguousOperand.Of(images);
        var y = Tensor.Uninitialized(new TensorShape(n, height, width, c));
        if (bilinear) Resampling.BilinearForward(x.Pointer, n, h, w, c, height, width, y.Pointer);
        else Resampling.NearestResizeForward(x.Pointer, n, h, w, c, height, width, y.Pointer);
        ContiguousOperand.Release(x, images);
        Node.Record(bilinear ? "resize_bilinear" : "resize_nearest", ResizeBackward, y, images)?.Save(bilinear);
        return y;
    }

    private static void ResizeBackward(Node node, Tensor g)
    {
        var x = node.A!;
        bool bilinear = node.State<bool>();
        int n = x._shape[0], h = x._shape[1], w = x._shape[2], c = x._shape[3];
        var dy = ContiguousOperand.Of(g);
        var dx = Tensor.Uninitialized(x._shape);
        if (bilinear) Resampling.BilinearBackward(dy.Pointer, n, h, w, c, g._shape[1], g._shape[2], dx.Pointer);
        else Resampling.NearestResizeBackward(dy.Pointer, n, h, w, c, g._shape[1], g._shape[2], dx.Pointer);
        ContiguousOperand.Release(dy, g);
        GradientEngine.Accumulate(x, dx);
    }
}
