using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// Batch normalization over a tensor seen as [outer, channels, inner]: statistics per channel over the
/// outer·inner values (N·H·W for NHWC images, where inner = 1; N for a (batch, features) input). Two passes
/// each way: forward reads x for the moments, then writes y = x·scale + shift with the affine folded into one
/// multiply-add per element; backward reads (x, dy) for two sums per channel, then writes dx as one
/// per-channel linear combination of dy and x. A leaky ReLU after the normalization can ride along: forward applies it
/// before the store, backward takes dy through its derivative (read from the activated output, exact for a slope ≥ 0) in
/// both passes. Work is split over ranges of the outer index; each range sums
/// into its own partials, added in range order. The ranges depend on the shape alone, so the sums have the
/// same bits whatever the number of threads that run them. Adding the partials, and what the caller makes of each
/// channel's sums, runs over ranges of channels (<see cref="BatchNormChannels"/>).
/// </summary>
internal static unsafe class BatchNorm
{
    private const int ParallelMinElements = 1 << 15;
    private const int Ranges = 8; // outer ranges of a large tensor: 4 per thread on two cores

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
        var none = default(NoChannelWork);
        Moments(level, x, outer, channels, inner, mean, variance, ref none);
    }

    /// <summary>The moments, then <paramref name="then"/> on each range of channels as soon as its moments are in (<see cref="BatchNormChannels"/>).</summary>
    internal static void Moments<TWork>(float* x, int outer, int channels, int inner, float* mean, float* variance, ref TWork then)
        where TWork : struct, IBatchNormChannelWork =>
        Moments(Simd.Level, x, outer, channels, inner, mean, variance, ref then);

    internal static void Moments<TWork>(SimdLevel level, float* x, int outer, int channels, int inner, float* mean, float* variance, ref TWork then)
        where TWork : struct, IBatchNormChannelWork
    {
        var body = new Body { X = x, Outer = outer, Channels = channels, Inner = inner, Kind = Pass.Moments, Level = level };
        body.Items = Items(outer, (long)outer * channels * inner);
        body.Partials = ConvolutionBuffers.Current.Get(ConvolutionBuffers.Partials, (long)body.Items * 2 * channels);
        body.Shift = x; // the first outer slice: the values of each channel at outer index 0
        Run(ref body);
        var sums = new MomentSums<TWork>
        {
            Partials = body.Partials, Items = body.Items, X = x, Channels = channels, Inner = inner, Count = (double)outer * inner,
            Mean = mean, Variance = variance, Then = then,
        };
        BatchNormChannels.Run(channels, ref sums);
    }

    /// <summary>Each channel's partial sums added in range order into its mean and variance, then the caller's work on the range.</summary>
    private struct MomentSums<TWork> : IBatchNormChannelWork where TWork : struct, IBatchNormChannelWork
    {
        public float* Partials, X, Mean, Variance;
        public int Items, Channels, Inner;
        public double Count;
        public TWork Then;

        public void Run(int first, int end)
        {
            for (int c = first; c < end; c++)
            {
                double sum = 0, squares = 0;
                for (int i = 0; i < Items; i++)
                {
                    sum += Partials[(long)i * 2 * Channels + c];
                    squares += Partials[(long)i * 2 * Channels + Channels + c];
                }
                double shifted = sum / Count;
                float shift = Inner == 1 ? X[c] : X[(long)c * Inner];
                Mean[c] = (float)(shift + shifted);
                Variance[c] = (float)Math.Max(squares / Count - shifted * shifted, 0);
            }
            Then.Run(first, end);
        }
    }

    /// <summary>Nothing to do after the sums.</summary>
    private struct NoChannelWork : IBatchNormChannelWork
    {
        public readonly void Run(int first, int end) { }
    }

    /// <summary>y = x·scale[c] + shift[c], then a leaky ReLU of <paramref name="leak"/> when one is given.</summary>
    internal static void Apply(float* x, int outer, int channels, int inner, float* scale, float* shift, float* y, in LeakyRelu leak = default) =>
        Apply(Simd.Level, x, outer, channels, inner, scale, shift, y, leak);

    internal static void Apply(SimdLevel level, float* x, int outer, int channels, int inner, float* scale, float* shift, float* y,
        in LeakyRelu leak = default)
    {
        var body = new Body
        {
            X = x, Outer = outer, Channels = channels, Inner = inner, A = scale, C = shift, Y = y, Kind = Pass.Apply, Level = level, Leak = leak,
        };
        body.Items = Items(outer, (long)outer * channels * inner);
        Run(ref body);
    }

    /// <summary>
    /// Per channel: Σ dy into <paramref name="sumGradient"/> and Σ dy·(x − mean) into <paramref name="sumCentered"/>; dy
    /// through the leaky ReLU's derivative first when <paramref name="leak"/> is one.
    /// </summary>
    internal static void GradientSums(float* x, float* dy, int outer, int channels, int inner, float* mean, float* sumGradient, float* sumCentered,
        in LeakyRelu leak = default) =>
        GradientSums(Simd.Level, x, dy, outer, channels, inner, mean, sumGradient, sumCentered, leak);

    internal static void GradientSums(SimdLevel level, float* x, float* dy, int outer, int channels, int inner, float* mean, float* sumGradient, float* sumCentered,
        in LeakyRelu leak = default)
    {
        var none = default(NoChannelWork);
        GradientSums(level, x, dy, outer, channels, inner, mean, sumGradient, sumCentered, ref none, leak);
    }

    /// <summary>The gradient sums, then <paramref name="then"/> on each range of channels as soon as its sums are in (<see cref="BatchNormChannels"/>).</summary>
    internal static void GradientSums<TWork>(float* x, float* dy, int outer, int channels, int inner, float* mean, float* sumGradient, float* sumCentered,
        ref TWork then, in LeakyRelu leak = default) where TWork : struct, IBatchNormChannelWork =>
        GradientSums(Simd.Level, x, dy, outer, channels, inner, mean, sumGradient, sumCentered, ref then, leak);

    internal static void GradientSums<TWork>(SimdLevel level, float* x, float* dy, int outer, int channels, int inner, float* mean, float* sumGradient,
        float* sumCentered, ref TWork then, in LeakyRelu leak = default) where TWork : struct, IBatchNormChannelWork
    {
        var body = new Body
        {
            X = x, Y = dy, Outer = outer, Channels = channels, Inner = inner, Shift = mean, Kind = Pass.GradientSums, Level = level, Leak = leak,
        };
        body.Items = Items(outer, (long)outer * channels * inner);
        body.Partials = ConvolutionBuffers.Current.Get(ConvolutionBuffers.Partials, (long)body.Items * 2 * channels);
        Run(ref body);
        var sums = new GradientChannelSums<TWork>
        {
            Partials = body.Partials, Items = body.Items, Channels = channels, SumGradient = sumGradient, SumCentered = sumCentered, Then = then,
        };
        BatchNormChannels.Run(channels, ref sums);
    }

    /// <summary>Each channel's partial gradient sums added in range order, then the caller's work on the range.</summary>
    private struct GradientChannelSums<TWork> : IBatchNormChannelWork where TWork : struct, IBatchNormChannelWork
    {
        public float* Partials, SumGradient, SumCentered;
        public int Items, Channels;
        public TWork Then;

        public void Run(int first, int end)
        {
            for (int c = first; c < end; c++)
            {
                double g = 0, gx = 0;
                for (int i = 0; i < Items; i++)
                {
                    g += Partials[(long)i * 2 * Channels + c];
                    gx += Partials[(long)i * 2 * Channels + Channels + c];
                }
                SumGradient[c] = (float)g;
                SumCentered[c] = (float)gx;
            }
            Then.Run(first, end);
        }
    }

    /// <summary>dx = a[c]·dy + b[c]·x + c[c]; dy through the leaky ReLU's derivative first when <paramref name="leak"/> is one.</summary>
    internal static void Combine(float* dy, float* x, int outer, int channels, int inner, float* a, float* b, float* c, float* dx, in LeakyRelu leak = default) =>
        Combine(Simd.Level, dy, x, outer, channels, inner, a, b, c, dx, leak);

    internal static void Combine(SimdLevel level, float* dy, float* x, int outer, int channels, int inner, float* a, float* b, float* c, float* dx,
        in LeakyRelu leak = default)
    {
        var body = new Body
        {
            X = x, Y = dy, Outer = outer, Channels = channels, Inner = inner, A = a, B = b, C = c, Output = dx, Kind = Pass.Combine, Level = level, Leak = leak,
        };
        body.Items = Items(outer, (long)outer * channels * inner);
        Run(ref body);
    }

    /// <summary>Ranges of the outer index: fixed by the shape, not by the thread count, so the partial sums are the same at any count.</summary>
    private static int Items(int outer, long elements) =>
        elements < ParallelMinElements ? 1 : Math.Min(outer, Ranges);

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

    /// <summary>
    /// A leaky ReLU fused after the normalization: its slope, and in backward the activated output its derivative is read
    /// from (null forward). The default is none.
    /// </summary>
    internal readonly struct LeakyRelu(float slope, float* activated = null)
    {
        public bool On { get; } = true;
        public float Slope { get; } = slope;
        public float* Activated { get; } = activated;
    }

    private struct Body : IParallelBody
    {
        public float* X, Y, Output, A, B, C, Shift, Partials;
        public int Outer, Channels, Inner, Items;
        public Pass Kind;
        public SimdLevel Level;
        public LeakyRelu Leak;

        public readonly void Execute(int item)
        {
            int o0 = (int)((long)Outer * item / Items), o1 = (int)((long)Outer * (item + 1) / Items);
            float* partial = Partials + (long)item * 2 * Channels;
            if (Kind is Pass.Moments or Pass.GradientSums) Im2Col.Clear(partial, 2 * Channels);
            if (Inner == 1)
            {
                // Channels last: rows of Channels contiguous values, vectors across channels.
                var rows = new Rows(this, (long)o0 * Channels, o1 - o0, partial);
                LaneKernel.Run(ref rows, Level);
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
                            RunSums(Y + at, X + at, Inner, Shift[c], out float g, out float gx, Leak.Activated == null ? null : Leak.Activated + at, Leak.Slope);
                            partial[c] += g;
                            partial[Channels + c] += gx;
                            break;
                        case Pass.Apply: RunAffine(X + at, null, Inner, A[c], 0f, C[c], Y + at, null, Leak); break;
                        default: RunAffine(Y + at, X + at, Inner, A[c], B[c], C[c], Output + at, Leak.Activated == null ? null : Leak.Activated + at, Leak); break;
                    }
                }
        }
    }

    /// <summary>The channels-last passes over rows [first, first + count) of a part, at the width the dispatch picks.</summary>
    private readonly struct Rows(Body body, long first, int count, float* partial) : ILaneKernel
    {
        public void Run<T>() where T : struct, ILanes<T>
        {
            int channels = body.Channels;
            var leak = body.Leak;
            float* activated = leak.Activated == null ? null : leak.Activated + first;
            switch (body.Kind)
            {
                case Pass.Moments: RowSums<T>(body.X + first, null, count, channels, body.Shift, partial, subtractShift: true, null, 0f); break;
                case Pass.GradientSums:
                    RowSums<T>(body.Y + first, body.X + first, count, channels, body.Shift, partial, subtractShift: false, activated, leak.Slope);
                    break;
                case Pass.Apply: RowAffine<T>(body.X + first, null, count, channels, body.A, null, body.C, body.Y + first, null, leak.On, leak.Slope); break;
                default: RowAffine<T>(body.Y + first, body.X + first, count, channels, body.A, body.B, body.C, body.Output + first, activated, false, leak.Slope); break;
            }
        }
    }

    /// <summary>
    /// Per channel over <paramref name="rows"/> rows: with <paramref name="subtractShift"/>, Σ (v − shift) and
    /// Σ (v − shift)² of <paramref name="v"/>; otherwise Σ v and Σ v·(x − shift) (a gradient against centered x).
    /// Added to partial[c] and partial[channels + c]. Each channel's sums run down the rows in order, at every width.
    /// With <paramref name="activated"/>, v goes through the leaky ReLU's derivative read from it first.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RowSums<T>(float* v, float* x, int rows, int channels, float* shift, float* partial, bool subtractShift,
        float* activated, float slope) where T : struct, ILanes<T>
    {
        int c = RowSumChannels<T>(v, x, rows, channels, shift, partial, subtractShift, activated, slope, 0);
        RowSumChannels<Lane1>(v, x, rows, channels, shift, partial, subtractShift, activated, slope, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RowSumChannels<T>(float* v, float* x, int rows, int channels, float* shift, float* partial, bool subtractShift,
        float* activated, float slope, int c) where T : struct, ILanes<T>
    {
        for (; c <= channels - T.Count; c += T.Count)
        {
            var s = T.Load(shift + c);
            T sum = T.Broadcast(0f), second = T.Broadcast(0f);
            float* p = v + c, q = x == null ? null : x + c, o = activated == null ? null : activated + c;
            for (int r = 0; r < rows; r++, p += channels)
            {
                var value = T.Load(p);
                if (o != null)
                {
                    value = Leaked(value, T.Load(o), slope);
                    o += channels;
                }
                if (subtractShift)
                {
                    value -= s;
                    second = T.MultiplyAdd(value, value, second);
                }
                else
                {
                    second = T.MultiplyAdd(value, T.Load(q) - s, second);
                    q += channels;
                }
                sum += value;
            }
            T.Store(partial + c, T.Load(partial + c) + sum);
            T.Store(partial + channels + c, T.Load(partial + channels + c) + second);
        }
        return c;
    }

    /// <summary>
    /// out = a[c]·v + b[c]·x + c[c] over rows of channels (x and b may be null); v through the leaky ReLU's derivative read
    /// from <paramref name="activated"/> first when given, the result through the leaky ReLU when <paramref name="leakOutput"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RowAffine<T>(float* v, float* x, int rows, int channels, float* a, float* b, float* shift, float* output,
        float* activated, bool leakOutput, float slope) where T : struct, ILanes<T>
    {
        for (int r = 0; r < rows; r++, v += channels, output += channels)
        {
            float* xr = x == null ? null : x + (long)r * channels, o = activated == null ? null : activated + (long)r * channels;
            int c = AffineChannels<T>(v, xr, a, b, shift, output, o, leakOutput, slope, 0, channels);
            AffineChannels<Lane1>(v, xr, a, b, shift, output, o, leakOutput, slope, c, channels);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AffineChannels<T>(float* v, float* x, float* a, float* b, float* shift, float* output, float* activated, bool leakOutput,
        float slope, int c, int channels) where T : struct, ILanes<T>
    {
        for (; c <= channels - T.Count; c += T.Count)
        {
            var value = T.Load(v + c);
            if (activated != null) value = Leaked(value, T.Load(activated + c), slope);
            var y = T.MultiplyAdd(value, T.Load(a + c), T.Load(shift + c));
            if (x != null) y = T.MultiplyAdd(T.Load(x + c), T.Load(b + c), y);
            if (leakOutput) y = Leaked(y, y, slope);
            T.Store(output + c, y);
        }
        return c;
    }

    /// <summary>v where <paramref name="sign"/> &gt; 0, else slope·v: a leaky ReLU (sign = v), or its derivative times v (sign = the activated output).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Leaked<T>(T v, T sign, float slope) where T : struct, ILanes<T> =>
        T.Select(T.GreaterThan(sign, T.Broadcast(0f)), v, v * T.Broadcast(slope));

    /// <summary>
    /// Σ v and either Σ (v − shift)² (x null, v shifted first) or Σ v·(x − shift), over one run; v through the leaky ReLU's
    /// derivative read from <paramref name="activated"/> first when given.
    /// </summary>
    private static void RunSums(float* v, float* x, int length, float shift, out float sum, out float second, float* activated = null, float slope = 0f)
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
                float value = activated == null || activated[i] > 0f ? v[i] : v[i] * slope;
                sum += value;
                second += value * (x[i] - shift);
            }
        }
    }

    /// <summary>
    /// out = a·v + b·x + c over one run (x may be null); v through the leaky ReLU's derivative read from
    /// <paramref name="activated"/> first when given, the result through the leaky ReLU of <paramref name="leak"/> when forward.
    /// </summary>
    private static void RunAffine(float* v, float* x, int length, float a, float b, float c, float* output, float* activated, in LeakyRelu leak)
    {
        bool leakOutput = leak.On && leak.Activated == null;
        for (int i = 0; i < length; i++)
        {
            float value = activated == null || activated[i] > 0f ? v[i] : v[i] * leak.Slope;
            float y = MathF.FusedMultiplyAdd(value, a, c);
            if (x != null) y = MathF.FusedMultiplyAdd(x[i], b, y);
            if (leakOutput && !(y > 0f)) y *= leak.Slope;
            output[i] = y;
        }
    }
}
