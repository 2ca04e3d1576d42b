using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Max and average pooling over NHWC images, forward and backward, vectorised along the channels (contiguous
/// in NHWC). Max pooling records, for every output, the flat index of the input element it took (the first
/// largest in row-major window order, as TensorFlow and PyTorch), so backward is a scatter. Work is split over
/// output rows; a backward whose windows overlap is split over whole images, which never share a pixel.
/// </summary>
internal static unsafe class Pooling
{
    private const int ParallelMinElements = 1 << 15;

    /// <summary>y = max over each window; the index of each maximum goes to <paramref name="indices"/> when not null.</summary>
    internal static void MaxForward(in PoolingGeometry g, float* x, float* y, int* indices) => MaxForward(Simd.Level, g, x, y, indices);

    /// <summary>The same with the vector width of <paramref name="level"/>, so tests reach every path.</summary>
    internal static void MaxForward(SimdLevel level, in PoolingGeometry g, float* x, float* y, int* indices)
    {
        var body = new Body { G = g, X = x, Y = y, Indices = indices, Kind = Kind.MaxForward, Vector = Vectorized(level) };
        Run(ref body, g.OutputRows, (long)g.OutputRows * g.OutputWidth * g.Channels);
    }

    /// <summary>dx = the output gradient at each recorded maximum, zero elsewhere.</summary>
    internal static void MaxBackward(in PoolingGeometry g, float* dy, int* indices, float* dx) => MaxBackward(Simd.Level, g, dy, indices, dx);

    internal static void MaxBackward(SimdLevel level, in PoolingGeometry g, float* dy, int* indices, float* dx)
    {
        var body = new Body { G = g, Y = dy, Indices = indices, X = dx, Kind = Kind.MaxBackward, Vector = Vectorized(level) };
        RunBackward(ref body);
    }

    /// <summary>y = mean over each window's pixels inside the image.</summary>
    internal static void AverageForward(in PoolingGeometry g, float* x, float* y) => AverageForward(Simd.Level, g, x, y);

    internal static void AverageForward(SimdLevel level, in PoolingGeometry g, float* x, float* y)
    {
        var body = new Body { G = g, X = x, Y = y, Kind = Kind.AverageForward, Vector = Vectorized(level) };
        Run(ref body, g.OutputRows, (long)g.OutputRows * g.OutputWidth * g.Channels);
    }

    /// <summary>dx = each window's output gradient shared equally among its pixels inside the image.</summary>
    internal static void AverageBackward(in PoolingGeometry g, float* dy, float* dx) => AverageBackward(Simd.Level, g, dy, dx);

    internal static void AverageBackward(SimdLevel level, in PoolingGeometry g, float* dy, float* dx)
    {
        var body = new Body { G = g, Y = dy, X = dx, Kind = Kind.AverageBackward, Vector = Vectorized(level) };
        RunBackward(ref body);
    }

    /// <summary>These kernels have an AVX-512 path and a scalar one.</summary>
    private static bool Vectorized(SimdLevel level) => level == SimdLevel.Vector512 && Avx512F.IsSupported;

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
        public bool ByImage, Vector;
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
            bool pairs = Vector && IsPairs(G);
            for (int row = start; row < end; row++)
            {
                if (pairs && Kind == Kind.MaxForward)
                {
                    MaxRowPairs(G, X, row, Y, Indices);
                    continue;
                }
                if (pairs && Kind == Kind.MaxBackward)
                {
                    MaxRowPairsBackward(G, Y, Indices, row, X);
                    continue;
                }
                int n = row / G.OutputHeight, oh = row - n * G.OutputHeight;
                int ih0 = oh * G.StrideHeight - G.PadTop;
                int h0 = Math.Max(ih0, 0), h1 = Math.Min(ih0 + G.PoolHeight, G.Height);
                long outputBase = (long)row * G.OutputWidth * G.Channels;
                for (int ow = 0; ow < G.OutputWidth; ow++)
                {
                    int iw0 = ow * G.StrideWidth - G.PadLeft;
                    int w0 = Math.Max(iw0, 0), w1 = Math.Min(iw0 + G.PoolWidth, G.Width);
                    long at = outputBase + (long)ow * G.Channels;
                    var window = new Window(n, h0, h1, w0, w1);
                    switch (Kind)
                    {
                        case Kind.MaxForward: MaxWindow(G, X, window, Y + at, Indices == null ? null : Indices + at, Vector); break;
                        case Kind.MaxBackward: MaxWindowBackward(G, Y + at, Indices + at, X, window, accumulate: !G.Disjoint, Vector); break;
                        case Kind.AverageForward: AverageWindow(G, X, window, Y + at, Vector); break;
                        default: AverageWindowBackward(G, Y + at, X, window, accumulate: !G.Disjoint, Vector); break;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether every window is a whole 2×2 block at stride 2 and the channels fill whole vectors: the pooling of
    /// most CNNs, which the row kernels below do with plain loads and no per-window set-up.
    /// </summary>
    private static bool IsPairs(in PoolingGeometry g) =>
        g.PoolHeight == 2 && g.PoolWidth == 2 && g.StrideHeight == 2 && g.StrideWidth == 2 && g.PadTop == 0 && g.PadLeft == 0 &&
        2 * g.OutputHeight <= g.Height && 2 * g.OutputWidth <= g.Width && g.Channels % 16 == 0;

    /// <summary>Output row <paramref name="row"/> (n, oh) of a 2×2, stride-2 max pooling; see <see cref="IsPairs"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MaxRowPairs(in PoolingGeometry g, float* x, int row, float* y, int* indices)
    {
        int channels = g.Channels, n = row / g.OutputHeight, oh = row - n * g.OutputHeight;
        int rowLength = g.Width * channels;
        int top = (n * g.Height + 2 * oh) * rowLength;
        long output = (long)row * g.OutputWidth * channels;
        float* yRow = y + output;
        int* indexRow = indices == null ? null : indices + output;
        for (int ow = 0; ow < g.OutputWidth; ow++)
        {
            int o0 = top + 2 * ow * channels;
            for (int c = 0; c < channels; c += 16)
            {
                // Row-major window order, replacing only on a strictly larger value: the first largest wins.
                int i0 = o0 + c, i1 = i0 + channels, i2 = i0 + rowLength, i3 = i2 + channels;
                var best = Vector512.Load(x + i0);
                var index = Vector512<int>.Indices + Vector512.Create(i0);
                var v = Vector512.Load(x + i1);
                var take = Vector512.GreaterThan(v, best);
                best = Vector512.ConditionalSelect(take, v, best);
                index = Vector512.ConditionalSelect(take.AsInt32(), Vector512<int>.Indices + Vector512.Create(i1), index);
                v = Vector512.Load(x + i2);
                take = Vector512.GreaterThan(v, best);
                best = Vector512.ConditionalSelect(take, v, best);
                index = Vector512.ConditionalSelect(take.AsInt32(), Vector512<int>.Indices + Vector512.Create(i2), index);
                v = Vector512.Load(x + i3);
                take = Vector512.GreaterThan(v, best);
                best = Vector512.ConditionalSelect(take, v, best);
                index = Vector512.ConditionalSelect(take.AsInt32(), Vector512<int>.Indices + Vector512.Create(i3), index);
                best.Store(yRow + c);
                if (indexRow != null) index.Store(indexRow + c);
            }
            yRow += channels;
            if (indexRow != null) indexRow += channels;
        }
    }

    /// <summary>The input gradient of output row <paramref name="row"/> of a 2×2, stride-2 max pooling: every pixel written.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MaxRowPairsBackward(in PoolingGeometry g, float* dy, int* indices, int row, float* dx)
    {
        int channels = g.Channels, n = row / g.OutputHeight, oh = row - n * g.OutputHeight;
        int rowLength = g.Width * channels;
        int top = (n * g.Height + 2 * oh) * rowLength;
        long output = (long)row * g.OutputWidth * channels;
        float* dyRow = dy + output;
        int* indexRow = indices + output;
        for (int ow = 0; ow < g.OutputWidth; ow++)
        {
            int o0 = top + 2 * ow * channels;
            for (int c = 0; c < channels; c += 16)
            {
                int i0 = o0 + c, i1 = i0 + channels, i2 = i0 + rowLength, i3 = i2 + channels;
                var gradient = Vector512.Load(dyRow + c);
                var index = Vector512.Load(indexRow + c);
                var lanes = Vector512<int>.Indices;
                (gradient & Vector512.Equals(index, lanes + Vector512.Create(i0)).AsSingle()).Store(dx + i0);
                (gradient & Vector512.Equals(index, lanes + Vector512.Create(i1)).AsSingle()).Store(dx + i1);
                (gradient & Vector512.Equals(index, lanes + Vector512.Create(i2)).AsSingle()).Store(dx + i2);
                (gradient & Vector512.Equals(index, lanes + Vector512.Create(i3)).AsSingle()).Store(dx + i3);
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
    private static void MaxWindow(in PoolingGeometry g, float* x, Window w, float* y, int* indices, bool vector)
    {
        int channels = g.Channels;
        long imageBase = (long)w.N * g.Height * g.Width * channels;
        if (vector)
        {
            for (int c = 0; c < channels; c += 16)
            {
                var mask = Im2Col.TailMask(channels - c);
                var best = Vector512.Create(float.NegativeInfinity);
                var bestIndex = Vector512<int>.Zero;
                var lanes = Vector512<int>.Indices + Vector512.Create(c);
                bool first = true;
                for (int ih = w.H0; ih < w.H1; ih++)
                    for (int iw = w.W0; iw < w.W1; iw++)
                    {
                        int offset = (int)(imageBase + ((long)ih * g.Width + iw) * channels);
                        var v = Avx512F.MaskLoad(x + offset + c, mask, Vector512<float>.Zero);
                        var index = lanes + Vector512.Create(offset);
                        // The first element of the window starts the search even when it is NaN or -∞.
                        var take = first ? Vector512<float>.AllBitsSet : Vector512.GreaterThan(v, best);
                        first = false;
                        best = Vector512.ConditionalSelect(take, v, best);
                        bestIndex = Vector512.ConditionalSelect(take.AsInt32(), index, bestIndex);
                    }
                Avx512F.MaskStore(y + c, mask, best);
                if (indices != null) Avx512F.MaskStore(indices + c, mask.AsInt32(), bestIndex);
            }
            return;
        }
        for (int c = 0; c < channels; c++)
        {
            float best = float.NegativeInfinity;
            int bestIndex = 0;
            bool first = true;
            for (int ih = w.H0; ih < w.H1; ih++)
                for (int iw = w.W0; iw < w.W1; iw++)
                {
                    int offset = (int)(imageBase + ((long)ih * g.Width + iw) * channels) + c;
                    if (first || x[offset] > best)
                    {
                        best = x[offset];
                        bestIndex = offset;
                        first = false;
                    }
                }
            y[c] = best;
            if (indices != null) indices[c] = bestIndex;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MaxWindowBackward(in PoolingGeometry g, float* dy, int* indices, float* dx, Window w, bool accumulate, bool vector)
    {
        int channels = g.Channels;
        if (accumulate)
        {
            for (int c = 0; c < channels; c++) dx[indices[c]] += dy[c];
            return;
        }
        long imageBase = (long)w.N * g.Height * g.Width * channels;
        if (vector)
        {
            // Each pixel of a disjoint window takes the gradient where it was the maximum and zero elsewhere.
            for (int c = 0; c < channels; c += 16)
            {
                var mask = Im2Col.TailMask(channels - c);
                var gradient = Avx512F.MaskLoad(dy + c, mask, Vector512<float>.Zero);
                var index = Avx512F.MaskLoad(indices + c, mask.AsInt32(), Vector512<int>.Zero);
                var lanes = Vector512<int>.Indices + Vector512.Create(c);
                for (int ih = w.H0; ih < w.H1; ih++)
                    for (int iw = w.W0; iw < w.W1; iw++)
                    {
                        int offset = (int)(imageBase + ((long)ih * g.Width + iw) * channels);
                        var hit = Vector512.Equals(index, lanes + Vector512.Create(offset)).AsSingle();
                        Avx512F.MaskStore(dx + offset + c, mask, gradient & hit);
                    }
            }
            return;
        }
        for (int ih = w.H0; ih < w.H1; ih++)
            for (int iw = w.W0; iw < w.W1; iw++)
            {
                int offset = (int)(imageBase + ((long)ih * g.Width + iw) * channels);
                for (int c = 0; c < channels; c++) dx[offset + c] = indices[c] == offset + c ? dy[c] : 0f;
            }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AverageWindow(in PoolingGeometry g, float* x, Window w, float* y, bool vector)
    {
        int channels = g.Channels;
        long imageBase = (long)w.N * g.Height * g.Width * channels;
        float scale = 1f / w.Count;
        if (vector)
        {
            for (int c = 0; c < channels; c += 16)
            {
                var mask = Im2Col.TailMask(channels - c);
                var sum = Vector512<float>.Zero;
                for (int ih = w.H0; ih < w.H1; ih++)
                    for (int iw = w.W0; iw < w.W1; iw++)
                        sum += Avx512F.MaskLoad(x + imageBase + ((long)ih * g.Width + iw) * channels + c, mask, Vector512<float>.Zero);
                Avx512F.MaskStore(y + c, mask, sum * scale);
            }
            return;
        }
        for (int c = 0; c < channels; c++)
        {
            float sum = 0f;
            for (int ih = w.H0; ih < w.H1; ih++)
                for (int iw = w.W0; iw < w.W1; iw++)
                    sum += x[imageBase + ((long)ih * g.Width + iw) * channels + c];
            y[c] = sum * scale;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AverageWindowBackward(in PoolingGeometry g, float* dy, float* dx, Window w, bool accumulate, bool vector)
    {
        int channels = g.Channels;
        long imageBase = (long)w.N * g.Height * g.Width * channels;
        float scale = 1f / w.Count;
        for (int ih = w.H0; ih < w.H1; ih++)
            for (int iw = w.W0; iw < w.W1; iw++)
            {
                float* target = dx + imageBase + ((long)ih * g.Width + iw) * channels;
                if (vector)
                {
                    for (int c = 0; c < channels; c += 16)
                    {
                        var mask = Im2Col.TailMask(channels - c);
                        var v = Avx512F.MaskLoad(dy + c, mask, Vector512<float>.Zero) * scale;
                        if (accumulate) v += Avx512F.MaskLoad(target + c, mask, Vector512<float>.Zero);
                        Avx512F.MaskStore(target + c, mask, v);
                    }
                    continue;
                }
                for (int c = 0; c < channels; c++) target[c] = (accumulate ? target[c] : 0f) + dy[c] * scale;
            }
    }
}
