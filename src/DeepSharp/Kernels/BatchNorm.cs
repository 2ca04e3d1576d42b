using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// Batch normalization over a tensor seen as [outer, channels, inner]: statistics per channel over the
/// outer·inner values (N·H·W for NHWC images, where inner = 1; N for a (batch, features) input). Two passes
/// each way: forward reads x for the moments, then writes y = x·scale + shift with the affine folded into one
/// multiply-add per element; backward reads (x, dy) for two sums per channel, then writes dx as one
/// per-channel linear combination of dy and x. Work is split over ranges of the outer index; each range sums
/// into its own partials, added in range order.
/// </summary>
internal static unsafe class BatchNorm
{
    private const int ParallelMinElements = 1 << 15;

    /// <summary>
    /// Per-channel mean and biased variance (divided by the count, as Keras normalizes and updates its moving
    /// variance). Sums are taken around each channel's first value, which keeps the variance accurate when the
    /// mean is large against the spread.
    /// </summary>
    internal static void Moments(float* x, int outer, int channels, int inner, float* mean, float* variance) =>
        Moments(Simd.Level, x, outer, channels, inner, mean, variance);

    /// <summary>The same with the vector width of <paramref name="level"/>, so tests reach every path.</summary>
    internal static void Moments(SimdLevel level, float* x, int outer, int channels, int inner, float* mean, float* variance)
    {
        var body = new Body { X = x, Outer = outer, Channels = channels, Inner = inner, Kind = Pass.Moments, Vector = Vectorized(level) };
        body.Items = Items(outer, (long)outer * channels * inner);
        body.Partials = ConvolutionBuffers.Current.Get(ConvolutionBuffers.Partials, (long)body.Items * 2 * channels);
        body.Shift = x; // the first outer slice: the values of each channel at outer index 0
        Run(ref body);
        double count = (double)outer * inner;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0, squares = 0;
            for (int i = 0; i < body.Items; i++)
            {
                sum += body.Partials[(long)i * 2 * channels + c];
                squares += body.Partials[(long)i * 2 * channels + channels + c];
            }
            double shifted = sum / count;
            float shift = inner == 1 ? x[c] : x[(long)c * inner];
            mean[c] = (float)(shift + shifted);
            variance[c] = (float)Math.Max(squares / count - shifted * shifted, 0);
        }
    }

    /// <summary>y = x·scale[c] + shift[c].</summary>
    internal static void Apply(float* x, int outer, int channels, int inner, float* scale, float* shift, float* y) =>
        Apply(Simd.Level, x, outer, channels, inner, scale, shift, y);

    internal static void Apply(SimdLevel level, float* x, int outer, int channels, int inner, float* scale, float* shift, float* y)
    {
        var body = new Body { X = x, Outer = outer, Channels = channels, Inner = inner, A = scale, C = shift, Y = y, Kind = Pass.Apply, Vector = Vectorized(level) };
        body.Items = Items(outer, (long)outer * channels * inner);
        Run(ref body);
    }

    /// <summary>Per channel: Σ dy into <paramref name="sumGradient"/> and Σ dy·(x − mean) into <paramref name="sumCentered"/>.</summary>
    internal static void GradientSums(float* x, float* dy, int outer, int channels, int inner, float* mean, float* sumGradient, float* sumCentered) =>
        GradientSums(Simd.Level, x, dy, outer, channels, inner, mean, sumGradient, sumCentered);

    internal static void GradientSums(SimdLevel level, float* x, float* dy, int outer, int channels, int inner, float* mean, float* sumGradient, float* sumCentered)
    {
        var body = new Body { X = x, Y = dy, Outer = outer, Channels = channels, Inner = inner, Shift = mean, Kind = Pass.GradientSums, Vector = Vectorized(level) };
        body.Items = Items(outer, (long)outer * channels * inner);
        body.Partials = ConvolutionBuffers.Current.Get(ConvolutionBuffers.Partials, (long)body.Items * 2 * channels);
        Run(ref body);
        for (int c = 0; c < channels; c++)
        {
            double g = 0, gx = 0;
            for (int i = 0; i < body.Items; i++)
            {
                g += body.Partials[(long)i * 2 * channels + c];
                gx += body.Partials[(long)i * 2 * channels + channels + c];
            }
            sumGradient[c] = (float)g;
            sumCentered[c] = (float)gx;
        }
    }

    /// <summary>dx = a[c]·dy + b[c]·x + c[c].</summary>
    internal static void Combine(float* dy, float* x, int outer, int channels, int inner, float* a, float* b, float* c, float* dx) =>
        Combine(Simd.Level, dy, x, outer, channels, inner, a, b, c, dx);

    internal static void Combine(SimdLevel level, float* dy, float* x, int outer, int channels, int inner, float* a, float* b, float* c, float* dx)
    {
        var body = new Body { X = x, Y = dy, Outer = outer, Channels = channels, Inner = inner, A = a, B = b, C = c, Output = dx, Kind = Pass.Combine, Vector = Vectorized(level) };
        body.Items = Items(outer, (long)outer * channels * inner);
        Run(ref body);
    }

    /// <summary>These kernels have an AVX-512 path and a scalar one.</summary>
    private static bool Vectorized(SimdLevel level) => level == SimdLevel.Vector512 && System.Runtime.Intrinsics.X86.Avx512F.IsSupported;

    private static int Items(int outer, long elements) =>
        elements < ParallelMinElements || Parallelism.Threads == 1 ? 1 : Math.Min(outer, 4 * Parallelism.Threads);

    private static void Run(ref Body body)
    {
        if (body.Items == 1) body.Execute(0);
        else WorkerPool.For(body.Items, ref body);
    }

    private enum Pass
    {
        Moments,
        Apply,
        GradientSums,
        Combine,
    }

    private struct Body : IParallelBody
    {
        public float* X, Y, Output, A, B, C, Shift, Partials;
        public int Outer, Channels, Inner, Items;
        public Pass Kind;
        public bool Vector;

        public readonly void Execute(int item)
        {
            int o0 = (int)((long)Outer * item / Items), o1 = (int)((long)Outer * (item + 1) / Items);
            float* partial = Partials + (long)item * 2 * Channels;
            if (Kind is Pass.Moments or Pass.GradientSums) Im2Col.Clear(partial, 2 * Channels);
            if (Inner == 1)
            {
                // Channels last: rows of Channels contiguous values, vectors across channels.
                long first = (long)o0 * Channels;
                int rows = o1 - o0;
                switch (Kind)
                {
                    case Pass.Moments: RowSums(X + first, null, rows, Channels, Shift, partial, subtractShift: true, Vector); break;
                    case Pass.GradientSums: RowSums(Y + first, X + first, rows, Channels, Shift, partial, subtractShift: false, Vector); break;
                    case Pass.Apply: RowAffine(X + first, null, rows, Channels, A, null, C, Y + first, Vector); break;
                    default: RowAffine(Y + first, X + first, rows, Channels, A, B, C, Output + first, Vector); break;
                }
                return;
            }
            // Channels before a contiguous inner run (NCHW): each (outer, channel) is one run of Inner values.
            for (int o = o0; o < o1; o++)
                for (int c = 0; c < Channels; c++)
                {
                    long at = ((long)o * Channels + c) * Inner;
                    switch (Kind)
                    {
                        case Pass.Moments:
                            RunSums(X + at, null, Inner, X[(long)c * Inner], out float s, out float q);
                            partial[c] += s;
                            partial[Channels + c] += q;
                            break;
                        case Pass.GradientSums:
                            RunSums(Y + at, X + at, Inner, Shift[c], out float g, out float gx);
                            partial[c] += g;
                            partial[Channels + c] += gx;
                            break;
                        case Pass.Apply: RunAffine(X + at, null, Inner, A[c], 0f, C[c], Y + at); break;
                        default: RunAffine(Y + at, X + at, Inner, A[c], B[c], C[c], Output + at); break;
                    }
                }
        }
    }

    /// <summary>
    /// Per channel over <paramref name="rows"/> rows: with <paramref name="subtractShift"/>, Σ (v − shift) and
    /// Σ (v − shift)² of <paramref name="v"/>; otherwise Σ v and Σ v·(x − shift) (a gradient against centered x).
    /// Added to partial[c] and partial[channels + c].
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RowSums(float* v, float* x, int rows, int channels, float* shift, float* partial, bool subtractShift, bool vector)
    {
        int c = 0;
        if (vector)
        {
            for (; c + 16 <= channels; c += 16)
            {
                var s = Vector512.Load(shift + c);
                Vector512<float> sum = default, second = default;
                float* p = v + c, q = x == null ? null : x + c;
                for (int r = 0; r < rows; r++, p += channels)
                {
                    var value = Vector512.Load(p);
                    if (subtractShift)
                    {
                        value -= s;
                        second = Vector512.FusedMultiplyAdd(value, value, second);
                    }
                    else
                    {
                        second = Vector512.FusedMultiplyAdd(value, Vector512.Load(q) - s, second);
                        q += channels;
                    }
                    sum += value;
                }
                (Vector512.Load(partial + c) + sum).Store(partial + c);
                (Vector512.Load(partial + channels + c) + second).Store(partial + channels + c);
            }
        }
        for (; c < channels; c++)
        {
            float s = shift[c], sum = 0f, second = 0f;
            for (int r = 0; r < rows; r++)
            {
                float value = v[(long)r * channels + c];
                if (subtractShift)
                {
                    value -= s;
                    second += value * value;
                }
                else second += value * (x[(long)r * channels + c] - s);
                sum += value;
            }
            partial[c] += sum;
            partial[channels + c] += second;
        }
    }

    /// <summary>out = a[c]·v + b[c]·x + c[c] over rows of channels (x and b may be null).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RowAffine(float* v, float* x, int rows, int channels, float* a, float* b, float* shift, float* output, bool vector)
    {
        for (int r = 0; r < rows; r++, v += channels, output += channels)
        {
            int c = 0;
            if (vector)
            {
                for (; c + 16 <= channels; c += 16)
                {
                    var y = Vector512.FusedMultiplyAdd(Vector512.Load(v + c), Vector512.Load(a + c), Vector512.Load(shift + c));
                    if (x != null) y = Vector512.FusedMultiplyAdd(Vector512.Load(x + (long)r * channels + c), Vector512.Load(b + c), y);
                    y.Store(output + c);
                }
            }
            for (; c < channels; c++)
            {
                float y = MathF.FusedMultiplyAdd(v[c], a[c], shift[c]);
                if (x != null) y = MathF.FusedMultiplyAdd(x[(long)r * channels + c], b[c], y);
                output[c] = y;
            }
        }
    }

    /// <summary>Σ v and either Σ (v − shift)² (x null, v shifted first) or Σ v·(x − shift), over one run.</summary>
    private static void RunSums(float* v, float* x, int length, float shift, out float sum, out float second)
    {
        sum = 0f;
        second = 0f;
        for (int i = 0; i < length; i++)
        {
            if (x == null)
            {
                float d = v[i] - shift;
                sum += d;
                second += d * d;
            }
            else
            {
                sum += v[i];
                second += v[i] * (x[i] - shift);
            }
        }
    }

    /// <summary>out = a·v + b·x + c over one run (x may be null).</summary>
    private static void RunAffine(float* v, float* x, int length, float a, float b, float c, float* output)
    {
        for (int i = 0; i < length; i++)
        {
            float y = MathF.FusedMultiplyAdd(v[i], a, c);
            if (x != null) y = MathF.FusedMultiplyAdd(x[i], b, y);
            output[i] = y;
        }
    }
}
