using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// Max and average pooling over NHWC images, forward and backward, vectorised along the channels (contiguous
/// in NHWC). Max pooling records, for every output, the flat index of the input element it took (the first
/// largest in row-major window order, as TensorFlow and PyTorch), so backward is a scatter. Work is split over
/// output rows; a backward whose windows overlap is split over whole images, which never share a pixel. Written
/// once over lanes (the channels beyond whole groups one lane at a time), so every width gives the same values.
/// </summary>
internal static unsafe class Pooling
{
    private const int ParallelMinElements = 1 << 15;

    /// <summary>y = max over each window; the index of each maximum goes to <paramref name="indices"/> when not null.</summary>
    internal static void MaxForward(in PoolingGeometry g, float* x, float* y, int* indices) => MaxForward(Simd.Level, g, x, y, indices);

    /// <summary>The same with the vector width of <paramref name="level"/>, so tests reach every path.</summary>
    internal static void MaxForward(SimdLevel level, in PoolingGeometry g, float* x, float* y, int* indices)
    {
        var body = new Body { G = g, X = x, Y = y, Indices = indices, Kind = Kind.MaxForward, Level = level };
        Run(ref body, g.OutputRows, (long)g.OutputRows * g.OutputWidth * g.Channels);
    }

    /// <summary>dx = the output gradient at each recorded maximum, zero elsewhere.</summary>
    internal static void MaxBackward(in PoolingGeometry g, float* dy, int* indices, float* dx) => MaxBackward(Simd.Level, g, dy, indices, dx);

    internal static void MaxBackward(SimdLevel level, in PoolingGeometry g, float* dy, int* indices, float* dx)
    {
        var body = new Body { G = g, Y = dy, Indices = indices, X = dx, Kind = Kind.MaxBackward, Level = level };
        RunBackward(ref body);
    }

    /// <summary>y = mean over each window's pixels inside the image.</summary>
    internal static void AverageForward(in PoolingGeometry g, float* x, float* y) => AverageForward(Simd.Level, g, x, y);

    internal static void AverageForward(SimdLevel level, in PoolingGeometry g, float* x, float* y)
    {
        var body = new Body { G = g, X = x, Y = y, Kind = Kind.AverageForward, Level = level };
        Run(ref body, g.OutputRows, (long)g.OutputRows * g.OutputWidth * g.Channels);
    }

    /// <summary>dx = each window's output gradient shared equally among its pixels inside the image.</summary>
    internal static void AverageBackward(in PoolingGeometry g, float* dy, float* dx) => AverageBackward(Simd.Level, g, dy, dx);

    internal static void AverageBackward(SimdLevel level, in PoolingGeometry g, float* dy, float* dx)
    {
        var body = new Body { G = g, Y = dy, X = dx, Kind = Kind.AverageBackward, Level = level };
        RunBackward(ref body);
    }

    private static void RunBackward(ref Body body)
    {
        ref readonly var g = ref body.G;
        long size = (long)g.Batch * g.Height * g.Width * g.Channels;
        // Pixels in no window get no gradient; overlapping windows add theirs up.
        if (!g.Disjoint || !g.Covering) new Span<float>(body.X, (int)size).Clear();
        if (g.Disjoint)
        {
            Run(ref body, g.OutputRows, size);
            return;
        }
        body.ByImage = true;
        Run(ref body, g.Batch, size);
    }

    private static void Run(ref Body body, int items, long elements)
    {
        if (elements < ParallelMinElements || Parallelism.Threads == 1 || items == 1)
        {
            body.Execute(0, items);
            return;
        }
        body.Chunks = Math.Min(items, 4 * Parallelism.Threads);
        body.Items = items;
        WorkerPool.For(body.Chunks, ref body);
    }

    private enum Kind
    {
        MaxForward,
        MaxBackward,
        AverageForward,
        AverageBackward,
    }

    private struct Body : IParallelBody
    {
        public PoolingGeometry G;
        public float* X, Y;
        public int* Indices;
        public Kind Kind;
        public SimdLevel Level;
        public bool ByImage;
        public int Chunks, Items;

        public readonly void Execute(int chunk)
        {
            int start = (int)((long)Items * chunk / Chunks), end = (int)((long)Items * (chunk + 1) / Chunks);
            Execute(start, end);
        }

        /// <summary>Output rows (n, oh) [start, end), or whole images when <see cref="ByImage"/>.</summary>
        public readonly void Execute(int start, int end)
        {
            if (ByImage)
            {
                start *= G.OutputHeight;
                end *= G.OutputHeight;
            }
            var rows = new Rows(this, start, end);
            LaneKernel.Run(ref rows, Level);
        }
    }

    /// <summary>Output rows [start, end) of a pooling pass, at the width the dispatch picks.</summary>
    private readonly struct Rows(Body body, int start, int end) : ILaneKernel
    {
        public void Run<T>() where T : struct, ILanes<T>
        {
            ref readonly var g = ref body.G;
            bool pairs = IsPairs(g, T.Count);
            for (int row = start; row < end; row++)
            {
                if (pairs && body.Kind == Kind.MaxForward)
                {
                    MaxRowPairs<T>(g, body.X, row, body.Y, body.Indices);
                    continue;
                }
                if (pairs && body.Kind == Kind.MaxBackward)
                {
                    MaxRowPairsBackward<T>(g, body.Y, body.Indices, row, body.X);
                    continue;
                }
                int n = row / g.OutputHeight, oh = row - n * g.OutputHeight;
                int ih0 = oh * g.StrideHeight - g.PadTop;
                int h0 = Math.Max(ih0, 0), h1 = Math.Min(ih0 + g.PoolHeight, g.Height);
                long outputBase = (long)row * g.OutputWidth * g.Channels;
                for (int ow = 0; ow < g.OutputWidth; ow++)
                {
                    int iw0 = ow * g.StrideWidth - g.PadLeft;
                    int w0 = Math.Max(iw0, 0), w1 = Math.Min(iw0 + g.PoolWidth, g.Width);
                    long at = outputBase + (long)ow * g.Channels;
                    var window = new Window(n, h0, h1, w0, w1);
                    switch (body.Kind)
                    {
                        case Kind.MaxForward: MaxWindow<T>(g, body.X, window, body.Y + at, body.Indices == null ? null : body.Indices + at); break;
                        case Kind.MaxBackward: MaxWindowBackward<T>(g, body.Y + at, body.Indices + at, body.X, window, accumulate: !g.Disjoint); break;
                        case Kind.AverageForward: AverageWindow<T>(g, body.X, window, body.Y + at); break;
                        default: AverageWindowBackward<T>(g, body.Y + at, body.X, window, accumulate: !g.Disjoint); break;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether every window is a whole 2×2 block at stride 2 and the channels fill whole groups of lanes: the
    /// pooling of most CNNs, which the row kernels below do with plain loads and no per-window set-up.
    /// </summary>
    private static bool IsPairs(in PoolingGeometry g, int lanes) =>
        g.PoolHeight == 2 && g.PoolWidth == 2 && g.StrideHeight == 2 && g.StrideWidth == 2 && g.PadTop == 0 && g.PadLeft == 0 &&
        2 * g.OutputHeight <= g.Height && 2 * g.OutputWidth <= g.Width && g.Channels % lanes == 0;

    /// <summary>Output row <paramref name="row"/> (n, oh) of a 2×2, stride-2 max pooling; see <see cref="IsPairs"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MaxRowPairs<T>(in PoolingGeometry g, float* x, int row, float* y, int* indices) where T : struct, ILanes<T>
    {
        int channels = g.Channels, n = row / g.OutputHeight, oh = row - n * g.OutputHeight;
        int rowLength = g.Width * channels;
        int top = (n * g.Height + 2 * oh) * rowLength;
        long output = (long)row * g.OutputWidth * channels;
        float* yRow = y + output;
        float* indexRow = indices == null ? null : (float*)(indices + output);
        for (int ow = 0; ow < g.OutputWidth; ow++)
        {
            int o0 = top + 2 * ow * channels;
            for (int c = 0; c < channels; c += T.Count)
            {
                // Row-major window order, replacing only on a strictly larger value: the first largest wins.
                int i0 = o0 + c, i1 = i0 + channels, i2 = i0 + rowLength, i3 = i2 + channels;
                var best = T.Load(x + i0);
                var index = T.Indices(i0);
                Take(T.Load(x + i1), T.Indices(i1), ref best, ref index);
                Take(T.Load(x + i2), T.Indices(i2), ref best, ref index);
                Take(T.Load(x + i3), T.Indices(i3), ref best, ref index);
                T.Store(yRow + c, best);
                if (indexRow != null) T.Store(indexRow + c, index);
            }
            yRow += channels;
            if (indexRow != null) indexRow += channels;
        }
    }

    /// <summary>Replaces the best value and its index where <paramref name="value"/> is strictly larger.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take<T>(T value, T index, ref T best, ref T bestIndex) where T : struct, ILanes<T>
    {
        var take = T.GreaterThan(value, best);
        best = T.Select(take, value, best);
        bestIndex = T.Select(take, index, bestIndex);
    }

    /// <summary>The input gradient of output row <paramref name="row"/> of a 2×2, stride-2 max pooling: every pixel written.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MaxRowPairsBackward<T>(in PoolingGeometry g, float* dy, int* indices, int row, float* dx) where T : struct, ILanes<T>
    {
        int channels = g.Channels, n = row / g.OutputHeight, oh = row - n * g.OutputHeight;
        int rowLength = g.Width * channels;
        int top = (n * g.Height + 2 * oh) * rowLength;
        long output = (long)row * g.OutputWidth * channels;
        float* dyRow = dy + output;
        float* indexRow = (float*)(indices + output);
        for (int ow = 0; ow < g.OutputWidth; ow++)
        {
            int o0 = top + 2 * ow * channels;
            for (int c = 0; c < channels; c += T.Count)
            {
                int i0 = o0 + c, i1 = i0 + channels, i2 = i0 + rowLength, i3 = i2 + channels;
                var gradient = T.Load(dyRow + c);
                var index = T.Load(indexRow + c);
                T.Store(dx + i0, gradient & T.EqualBits(index, T.Indices(i0)));
                T.Store(dx + i1, gradient & T.EqualBits(index, T.Indices(i1)));
                T.Store(dx + i2, gradient & T.EqualBits(index, T.Indices(i2)));
                T.Store(dx + i3, gradient & T.EqualBits(index, T.Indices(i3)));
            }
            dyRow += channels;
            indexRow += channels;
        }
    }

    /// <summary>A window clipped to the image: rows [H0, H1) and columns [W0, W1) of image N.</summary>
    private readonly record struct Window(int N, int H0, int H1, int W0, int W1)
    {
        public int Count => (H1 - H0) * (W1 - W0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MaxWindow<T>(in PoolingGeometry g, float* x, Window w, float* y, int* indices) where T : struct, ILanes<T>
    {
        int c = MaxWindowChannels<T>(g, x, w, y, indices, 0);
        MaxWindowChannels<Lane1>(g, x, w, y, indices, c);
    }

    /// <summary>Channels from <paramref name="c"/> on in whole groups of lanes; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MaxWindowChannels<T>(in PoolingGeometry g, float* x, Window w, float* y, int* indices, int c) where T : struct, ILanes<T>
    {
        int channels = g.Channels;
        long imageBase = (long)w.N * g.Height * g.Width * channels;
        for (; c <= channels - T.Count; c += T.Count)
        {
            T best = default, bestIndex = default;
            bool first = true;
            for (int ih = w.H0; ih < w.H1; ih++)
                for (int iw = w.W0; iw < w.W1; iw++)
                {
                    int offset = (int)(imageBase + ((long)ih * g.Width + iw) * channels) + c;
                    var v = T.Load(x + offset);
                    // The first element of the window starts the search even when it is NaN or -∞.
                    if (first)
                    {
                        best = v;
                        bestIndex = T.Indices(offset);
                        first = false;
                    }
                    else Take(v, T.Indices(offset), ref best, ref bestIndex);
                }
            if (first) best = T.Broadcast(float.NegativeInfinity);
            T.Store(y + c, best);
            if (indices != null) T.Store((float*)(indices + c), bestIndex);
        }
        return c;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MaxWindowBackward<T>(in PoolingGeometry g, float* dy, int* indices, float* dx, Window w, bool accumulate) where T : struct, ILanes<T>
    {
        int channels = g.Channels;
        if (accumulate)
        {
            for (int c = 0; c < channels; c++) dx[indices[c]] += dy[c];
            return;
        }
        // Each pixel of a disjoint window takes the gradient where it was the maximum and zero elsewhere.
        long imageBase = (long)w.N * g.Height * g.Width * channels;
        for (int ih = w.H0; ih < w.H1; ih++)
            for (int iw = w.W0; iw < w.W1; iw++)
            {
                int offset = (int)(imageBase + ((long)ih * g.Width + iw) * channels);
                int c = MaxScatterChannels<T>(dy, (float*)indices, dx + offset, offset, 0, channels);
                MaxScatterChannels<Lane1>(dy, (float*)indices, dx + offset, offset, c, channels);
            }
    }

    /// <summary>pixel[c] = dy[c] where the recorded index is this pixel's, else 0; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MaxScatterChannels<T>(float* dy, float* indices, float* pixel, int offset, int c, int channels) where T : struct, ILanes<T>
    {
        for (; c <= channels - T.Count; c += T.Count)
            T.Store(pixel + c, T.Load(dy + c) & T.EqualBits(T.Load(indices + c), T.Indices(offset + c)));
        return c;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AverageWindow<T>(in PoolingGeometry g, float* x, Window w, float* y) where T : struct, ILanes<T>
    {
        int c = AverageWindowChannels<T>(g, x, w, y, 0);
        AverageWindowChannels<Lane1>(g, x, w, y, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AverageWindowChannels<T>(in PoolingGeometry g, float* x, Window w, float* y, int c) where T : struct, ILanes<T>
    {
        int channels = g.Channels;
        long imageBase = (long)w.N * g.Height * g.Width * channels;
        var scale = T.Broadcast(1f / w.Count);
        for (; c <= channels - T.Count; c += T.Count)
        {
            var sum = T.Broadcast(0f);
            for (int ih = w.H0; ih < w.H1; ih++)
                for (int iw = w.W0; iw < w.W1; iw++)
                    sum += T.Load(x + imageBase + ((long)ih * g.Width + iw) * channels + c);
            T.Store(y + c, sum * scale);
        }
        return c;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AverageWindowBackward<T>(in PoolingGeometry g, float* dy, float* dx, Window w, bool accumulate) where T : struct, ILanes<T>
    {
        int channels = g.Channels;
        long imageBase = (long)w.N * g.Height * g.Width * channels;
        float scale = 1f / w.Count;
        for (int ih = w.H0; ih < w.H1; ih++)
            for (int iw = w.W0; iw < w.W1; iw++)
            {
                float* target = dx + imageBase + ((long)ih * g.Width + iw) * channels;
                int c = ShareChannels<T>(dy, target, scale, accumulate, 0, channels);
                ShareChannels<Lane1>(dy, target, scale, accumulate, c, channels);
            }
    }

    /// <summary>target[c] (+)= dy[c]·scale; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ShareChannels<T>(float* dy, float* target, float scale, bool accumulate, int c, int channels) where T : struct, ILanes<T>
    {
        for (; c <= channels - T.Count; c += T.Count)
        {
            var v = T.Load(dy + c) * T.Broadcast(scale);
            if (accumulate) v += T.Load(target + c);
            T.Store(target + c, v);
        }
        return c;
    }
}
