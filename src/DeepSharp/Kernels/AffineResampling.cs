namespace DeepSharp.Kernels;

/// <summary>
/// A batch of NHWC images resampled through one affine map each (<see cref="AffineResampler"/>, the kernel of
/// ImageDataGenerator), and its adjoint: the gradient of every output pixel goes back to the input pixels it was
/// interpolated from, with the weights forward used (nothing to pixels a constant fill replaced). The adjoint follows
/// the forward kernel's arithmetic step for step (the same sample points, the same border rules), one image per item,
/// so no two threads write one pixel and the sums run in one order whatever the thread count.
/// </summary>
internal static unsafe class AffineResampling
{
    private const int ParallelMinPixels = 1 << 14;

    /// <summary>y[n] = x[n] resampled through maps[n].</summary>
    internal static void Forward(float* x, float* y, int batch, int height, int width, int channels, AffineMap* maps,
        FillMode mode, float fillValue, bool bilinear)
    {
        var body = new Body { X = x, Y = y, Height = height, Width = width, Channels = channels, Maps = maps, Mode = mode, Fill = fillValue, Bilinear = bilinear };
        Run(ref body, batch, height * width);
    }

    /// <summary>dx[n] = the adjoint of the resampling of image n applied to dy[n] (dx is overwritten).</summary>
    internal static void Backward(float* dy, float* dx, int batch, int height, int width, int channels, AffineMap* maps,
        FillMode mode, bool bilinear)
    {
        var body = new Body { X = dx, Y = dy, Height = height, Width = width, Channels = channels, Maps = maps, Mode = mode, Bilinear = bilinear, Backward = true };
        Run(ref body, batch, height * width);
    }

    private static void Run(ref Body body, int batch, int pixels)
    {
        if ((long)batch * pixels < ParallelMinPixels || Parallelism.Threads == 1)
            for (int n = 0; n < batch; n++) body.Execute(n);
        else WorkerPool.For(batch, ref body);
    }

    private struct Body : IParallelBody
    {
        public float* X, Y;
        public int Height, Width, Channels;
        public AffineMap* Maps;
        public FillMode Mode;
        public float Fill;
        public bool Bilinear, Backward;

        public readonly void Execute(int n)
        {
            long size = (long)Height * Width * Channels;
            if (!Backward)
            {
                AffineResampler.Resample(X + n * size, Y + n * size, Height, Width, Channels, Maps[n], Mode, Fill, Bilinear, scale: 1f);
                return;
            }
            var dx = new Span<float>(X + n * size, (int)size);
            if (Maps[n].IsIdentity)
            {
                new ReadOnlySpan<float>(Y + n * size, (int)size).CopyTo(dx);
                return;
            }
            dx.Clear();
            if (Bilinear) BilinearAdjoint(Y + n * size, X + n * size, Maps[n]);
            else NearestAdjoint(Y + n * size, X + n * size, Maps[n]);
        }

        /// <summary>The adjoint of AffineResampler's nearest path: each output's gradient to the pixel it copied.</summary>
        private readonly void NearestAdjoint(float* dy, float* dx, in AffineMap map)
        {
            int height = Height, width = Width, channels = Channels, rowStride = width * channels;
            for (int r = 0; r < height; r++)
            {
                float rowStartY = map.RowFromRow * r + map.RowOffset;
                float rowStartX = map.ColumnFromRow * r + map.ColumnOffset;
                float* gradient = dy + (long)r * rowStride;
                for (int c = 0; c < width; c++, gradient += channels)
                {
                    if (!AffineResampler.NearestPixel(rowStartY, rowStartX, map, c, height, width, Mode, out int y, out int x)) continue;
                    float* p = dx + (long)y * rowStride + (long)x * channels;
                    for (int k = 0; k < channels; k++) p[k] += gradient[k];
                }
            }
        }

        /// <summary>
        /// The adjoint of AffineResampler's bilinear paths: value = top + wy·(bottom − top), top = p00 + wx·(p01 − p00),
        /// bottom = p10 + wx·(p11 − p10), so p00, p01, p10, p11 receive (1 − wx)(1 − wy), wx(1 − wy), (1 − wx)wy and wx·wy.
        /// </summary>
        private readonly void BilinearAdjoint(float* dy, float* dx, in AffineMap map)
        {
            int height = Height, width = Width, channels = Channels, rowStride = width * channels;
            uint lastRow = (uint)height - 1, lastColumn = (uint)width - 1;
            for (int r = 0; r < height; r++)
            {
                float rowStartY = map.RowFromRow * r + map.RowOffset;
                float rowStartX = map.ColumnFromRow * r + map.ColumnOffset;
                float* gradient = dy + (long)r * rowStride;
                for (int c = 0; c < width; c++, gradient += channels)
                {
                    // The sample point as the forward kernel computes it (from the row start, not accumulated).
                    float y = rowStartY + map.RowFromColumn * c;
                    float x = rowStartX + map.ColumnFromColumn * c;
                    int y0 = AffineResampler.Floor(y), x0 = AffineResampler.Floor(x);
                    int r0, r1, c0, c1;
                    float wy, wx;
                    if ((uint)y0 < lastRow && (uint)x0 < lastColumn)
                        (r0, r1, c0, c1, wy, wx) = (y0, y0 + 1, x0, x0 + 1, y - y0, x - x0);
                    else if (!AffineResampler.BorderNeighbours(y, x, height, width, Mode, out r0, out r1, out c0, out c1, out wy, out wx))
                        continue; // filled: no input pixel took part
                    float w00 = (1 - wx) * (1 - wy), w01 = wx * (1 - wy), w10 = (1 - wx) * wy, w11 = wx * wy;
                    float* p00 = dx + (long)r0 * rowStride + (long)c0 * channels, p01 = dx + (long)r0 * rowStride + (long)c1 * channels;
                    float* p10 = dx + (long)r1 * rowStride + (long)c0 * channels, p11 = dx + (long)r1 * rowStride + (long)c1 * channels;
                    for (int k = 0; k < channels; k++)
                    {
                        float g = gradient[k];
                        p00[k] += w00 * g;
                        p01[k] += w01 * g;
                        p10[k] += w10 * g;
                        p11[k] += w11 * g;
                    }
                }
            }
        }
    }
}
