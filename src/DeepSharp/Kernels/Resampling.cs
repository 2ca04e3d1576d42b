namespace DeepSharp.Kernels;

/// <summary>
/// Resampling of NHWC images, forward and backward: upsampling by integer factors (nearest neighbour, each pixel
/// repeated factor times along each axis), bilinear resizing to any size with half-pixel centres (TensorFlow's
/// <c>resize</c> without antialiasing and PyTorch's <c>interpolate(align_corners=False)</c>), and nearest-neighbour
/// resizing to any size with half-pixel centres.
/// </summary>
internal static unsafe class Resampling
{
    /// <summary>y[n, oh, ow, :] = x[n, oh / factorH, ow / factorW, :].</summary>
    internal static void NearestForward(float* x, int batch, int height, int width, int channels, int factorH, int factorW, float* y)
    {
        int outW = width * factorW;
        for (int n = 0; n < batch; n++)
            for (int oh = 0; oh < height * factorH; oh++)
            {
                float* source = x + ((long)n * height + oh / factorH) * width * channels;
                float* target = y + ((long)n * height * factorH + oh) * outW * channels;
                for (int ow = 0; ow < outW; ow++)
                    Im2Col.Copy(source + (long)(ow / factorW) * channels, target + (long)ow * channels, channels);
            }
    }

    /// <summary>dx[n, ih, iw, :] = Σ of dy over the factorH × factorW block that pixel was copied to.</summary>
    internal static void NearestBackward(float* dy, int batch, int height, int width, int channels, int factorH, int factorW, float* dx)
    {
        new Span<float>(dx, batch * height * width * channels).Clear();
        int outW = width * factorW;
        for (int n = 0; n < batch; n++)
            for (int oh = 0; oh < height * factorH; oh++)
            {
                float* source = dy + ((long)n * height * factorH + oh) * outW * channels;
                float* target = dx + ((long)n * height + oh / factorH) * width * channels;
                for (int ow = 0; ow < outW; ow++)
                    Im2Col.AddTo(source + (long)ow * channels, target + (long)(ow / factorW) * channels, channels);
            }
    }

    /// <summary>Bilinear enlargement from (height, width) to (outHeight, outWidth), half-pixel centres, edges clamped.</summary>
    internal static void BilinearForward(float* x, int batch, int height, int width, int channels, int outHeight, int outWidth, float* y)
    {
        for (int n = 0; n < batch; n++)
            for (int oh = 0; oh < outHeight; oh++)
            {
                var (h0, h1, lh) = Source(oh, height, outHeight);
                float* row0 = x + ((long)n * height + h0) * width * channels;
                float* row1 = x + ((long)n * height + h1) * width * channels;
                float* target = y + ((long)n * outHeight + oh) * outWidth * channels;
                for (int ow = 0; ow < outWidth; ow++, target += channels)
                {
                    var (w0, w1, lw) = Source(ow, width, outWidth);
                    float* a = row0 + (long)w0 * channels, b = row0 + (long)w1 * channels;
                    float* c = row1 + (long)w0 * channels, d = row1 + (long)w1 * channels;
                    for (int k = 0; k < channels; k++)
                    {
                        float top = a[k] + (b[k] - a[k]) * lw;
                        float bottom = c[k] + (d[k] - c[k]) * lw;
                        target[k] = top + (bottom - top) * lh;
                    }
                }
            }
    }

    /// <summary>The adjoint of <see cref="BilinearForward"/>: each output gradient shared among its four source pixels.</summary>
    internal static void BilinearBackward(float* dy, int batch, int height, int width, int channels, int outHeight, int outWidth, float* dx)
    {
        new Span<float>(dx, batch * height * width * channels).Clear();
        for (int n = 0; n < batch; n++)
            for (int oh = 0; oh < outHeight; oh++)
            {
                var (h0, h1, lh) = Source(oh, height, outHeight);
                float* row0 = dx + ((long)n * height + h0) * width * channels;
                float* row1 = dx + ((long)n * height + h1) * width * channels;
                float* source = dy + ((long)n * outHeight + oh) * outWidth * channels;
                for (int ow = 0; ow < outWidth; ow++, source += channels)
                {
                    var (w0, w1, lw) = Source(ow, width, outWidth);
                    float* a = row0 + (long)w0 * channels, b = row0 + (long)w1 * channels;
                    float* c = row1 + (long)w0 * channels, d = row1 + (long)w1 * channels;
                    for (int k = 0; k < channels; k++)
                    {
                        float g = source[k];
                        a[k] += g * (1 - lh) * (1 - lw);
                        b[k] += g * (1 - lh) * lw;
                        c[k] += g * lh * (1 - lw);
                        d[k] += g * lh * lw;
                    }
                }
            }
    }

    /// <summary>
    /// Nearest-neighbour resizing from (height, width) to (outHeight, outWidth) with half-pixel centres, as TensorFlow's
    /// resize (half_pixel_centers) and PyTorch's "nearest-exact": output o reads input floor((o + 0.5)·in / out).
    /// </summary>
    internal static void NearestResizeForward(float* x, int batch, int height, int width, int channels, int outHeight, int outWidth, float* y)
    {
        for (int n = 0; n < batch; n++)
            for (int oh = 0; oh < outHeight; oh++)
            {
                float* source = x + ((long)n * height + NearestSource(oh, height, outHeight)) * width * channels;
                float* target = y + ((long)n * outHeight + oh) * outWidth * channels;
                for (int ow = 0; ow < outWidth; ow++)
                    Im2Col.Copy(source + (long)NearestSource(ow, width, outWidth) * channels, target + (long)ow * channels, channels);
            }
    }

    /// <summary>The adjoint of <see cref="NearestResizeForward"/>: each input pixel sums the gradients of the outputs that read it.</summary>
    internal static void NearestResizeBackward(float* dy, int batch, int height, int width, int channels, int outHeight, int outWidth, float* dx)
    {
        new Span<float>(dx, batch * height * width * channels).Clear();
        for (int n = 0; n < batch; n++)
            for (int oh = 0; oh < outHeight; oh++)
            {
                float* source = dy + ((long)n * outHeight + oh) * outWidth * channels;
                float* target = dx + ((long)n * height + NearestSource(oh, height, outHeight)) * width * channels;
                for (int ow = 0; ow < outWidth; ow++)
                    Im2Col.AddTo(source + (long)ow * channels, target + (long)NearestSource(ow, width, outWidth) * channels, channels);
            }
    }

    /// <summary>The input index output <paramref name="o"/> reads, the scale computed first as TensorFlow and PyTorch do.</summary>
    private static int NearestSource(int o, int length, int outLength)
    {
        float scale = (float)length / outLength;
        return Math.Min((int)((o + 0.5f) * scale), length - 1);
    }

    /// <summary>The two source indices around output index <paramref name="o"/> and the weight of the second.</summary>
    private static (int First, int Second, float Weight) Source(int o, int length, int outLength)
    {
        float position = (o + 0.5f) * length / outLength - 0.5f;
        if (position < 0) position = 0;
        int first = Math.Min((int)position, length - 1);
        int second = Math.Min(first + 1, length - 1);
        return (first, second, position - first);
    }
}
