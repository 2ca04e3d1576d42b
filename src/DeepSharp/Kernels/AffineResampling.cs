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
                    int y = Floor(rowStartY + map.RowFromColumn * c + 0.5f);
                    int x = Floor(rowStartX + map.ColumnFromColumn * c + 0.5f);
                    if ((uint)y >= (uint)height || (uint)x >= (uint)width)
                    {
                        if (Mode == FillMode.Constant) continue;
                        y = AffineResampler.MapIndex(y, height, Mode);
                        x = AffineResampler.MapIndex(x, width, Mode);
                    }
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
                    int y0 = Floor(y), x0 = Floor(x);
                    int r0, r1, c0, c1;
                    if ((uint)y0 < lastRow && (uint)x0 < lastColumn)
                        (r0, r1, c0, c1) = (y0, y0 + 1, x0, x0 + 1);
                    else
                    {
                        if (Mode == FillMode.Constant)
                        {
                            if (!(y >= -AffineResampler.BorderTolerance && y <= height - 1 + AffineResampler.BorderTolerance &&
                                  x >= -AffineResampler.BorderTolerance && x <= width - 1 + AffineResampler.BorderTolerance))
                                continue; // filled: no input pixel took part
                            y = Math.Clamp(y, 0, height - 1);
                            x = Math.Clamp(x, 0, width - 1);
                            y0 = Floor(y);
                            x0 = Floor(x);
                        }
                        r0 = AffineResampler.MapIndex(y0, height, Mode);
                        r1 = AffineResampler.MapIndex(y0 + 1, height, Mode);
                        c0 = AffineResampler.MapIndex(x0, width, Mode);
                        c1 = AffineResampler.MapIndex(x0 + 1, width, Mode);
                    }
                    float wy = y - y0, wx = x - x0;
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

        private static int Floor(float value)
        {
            int truncated = (int)value;
            return truncated > value ? truncated - 1 : truncated;
        }
    }
}
