using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Which (query step i, key step j) pairs of sample b may attend: <c>Data[b·BatchStride + i·RowStride + j] ≠ 0</c>
/// when <see cref="Data"/> is given (RowStride 0 reads one row for every query step: a key padding mask), and
/// j ≤ i when <see cref="Causal"/>. The heads share the sample's mask: it is read in place, never broadcast.
/// </summary>
internal unsafe struct AttentionMask
{
    public float* Data;
    public long BatchStride;
    public int RowStride;
    public bool Causal;

    /// <summary>Whether any pair can be masked at all.</summary>
    public readonly bool Any => Data != null || Causal;
}

/// <summary>
/// Scaled dot-product attention as batched GEMMs, one (sample, head) pair at a time, the pairs split over the
/// threads. Queries, keys and values are read in the projection's layout (batch, steps, heads, features), where a
/// head's matrix is rows a <c>heads·features</c> stride apart, so no head is ever transposed or copied out; the
/// weights are (batch, heads, query steps, key steps), the context (batch, query steps, heads, value features).
/// <para>
/// The softmax is fused with the scaling and the mask: a masked score becomes −∞ before the row's maximum is taken,
/// so large scores never overflow, and a row with nothing to attend to (every key masked) gets weights of zero,
/// not the NaN that 0/0 would give. Each pair writes only its own rows, so the results do not depend on the
/// number of threads.
/// </para>
/// </summary>
internal static unsafe class AttentionKernel
{
    private const long ParallelMinFlops = 1 << 17; // below this, one thread does all pairs

    /// <summary>One attention problem's sizes: B samples, H heads, Tq query and Tk key steps, dk and dv head features.</summary>
    internal readonly record struct Shape(int Batch, int Heads, int QuerySteps, int KeySteps, int KeyFeatures, int ValueFeatures)
    {
        public int Pairs => Batch * Heads;
        public long WeightsPerPair => (long)QuerySteps * KeySteps;
    }

    /// <summary>w = softmax(scale · q·kᵀ) per pair, masked; q (B, Tq, H, dk), k (B, Tk, H, dk), w (B, H, Tq, Tk).</summary>
    internal static void Weights(float* q, float* k, float* w, in Shape shape, float scale, in AttentionMask mask)
    {
        var body = new Body { Kind = Pass.Weights, S = shape, Q = q, K = k, W = w, Scale = scale, Mask = mask };
        Run(ref body, 2L * shape.WeightsPerPair * shape.KeyFeatures);
    }

    /// <summary>
    /// From dw: ds = scale · w ⊙ (dw − Σ dw·w) per row (into <paramref name="ds"/>, (B, H, Tq, Tk)), then dq = ds·k and
    /// dk = dsᵀ·q, each written in its operand's layout (overwritten, not accumulated). Either output may be null.
    /// </summary>
    internal static void WeightsBackward(float* q, float* k, float* w, float* dw, float* ds, float* dq, float* dk, in Shape shape, float scale)
    {
        var body = new Body { Kind = Pass.WeightsBackward, S = shape, Q = q, K = k, W = w, Dw = dw, Ds = ds, Dq = dq, Dk = dk, Scale = scale };
        Run(ref body, 4L * shape.WeightsPerPair * shape.KeyFeatures);
    }

    /// <summary>Masked softmax of given scores (B, H, Tq, Tk) times <paramref name="scale"/>: the weights without the GEMM.</summary>
    internal static void Softmax(float* scores, float* w, in Shape shape, float scale, in AttentionMask mask)
    {
        var body = new Body { Kind = Pass.Softmax, S = shape, Q = scores, W = w, Scale = scale, Mask = mask };
        Run(ref body, 8L * shape.WeightsPerPair);
    }

    /// <summary>c = w·v per pair; w (B, H, Tq, Tk), v (B, Tk, H, dv), c (B, Tq, H, dv).</summary>
    internal static void Context(float* w, float* v, float* c, in Shape shape)
    {
        var body = new Body { Kind = Pass.Context, S = shape, W = w, V = v, C = c };
        Run(ref body, 2L * shape.WeightsPerPair * shape.ValueFeatures);
    }

    /// <summary>dw = dc·vᵀ and dv = wᵀ·dc per pair (overwritten); either output may be null.</summary>
    internal static void ContextBackward(float* w, float* v, float* dc, float* dw, float* dv, in Shape shape)
    {
        var body = new Body { Kind = Pass.ContextBackward, S = shape, W = w, V = v, Dc = dc, Dw = dw, Dv = dv };
        Run(ref body, 4L * shape.WeightsPerPair * shape.ValueFeatures);
    }

    /// <summary>
    /// Self-attention from packed projections: per pair, w = softmax(scale · q·kᵀ) (masked, into <paramref name="w"/>,
    /// (B, H, T, T)) and c = w·v (into <paramref name="c"/>, (B, T, H, dv)), one pair's weights staying in cache between
    /// the two. q, k and v are the columns of <paramref name="qkv"/> (B, T, <paramref name="ld"/>): q at 0, k at H·dk,
    /// v at 2·H·dk, each (T, H, features) with rows ld apart. The same products and softmax as <see cref="Weights"/> and
    /// <see cref="Context"/>, the same bits; where <see cref="KeyMajorWeights"/>, w holds each pair's weights transposed
    /// (key-major, Tk rows of Tq), for <see cref="SelfAttentionBackward"/> alone.
    /// </summary>
    /// <returns>Whether the weights were written key-major (<see cref="KeyMajorWeights"/>): backward must be told.</returns>
    internal static bool SelfAttention(float* qkv, int ld, float* w, float* c, in Shape shape, float scale, in AttentionMask mask)
    {
        float* k = qkv + (long)shape.Heads * shape.KeyFeatures;
        var body = new Body
        {
            Kind = Pass.Attend, S = shape, Ld = ld, Q = qkv, K = k, V = k + (long)shape.Heads * shape.KeyFeatures, W = w, C = c, Scale = scale, Mask = mask,
            KeyMajor = KeyMajorWeights(shape),
        };
        Run(ref body, 2L * shape.WeightsPerPair * (shape.KeyFeatures + shape.ValueFeatures));
        return body.KeyMajor;
    }

    /// <summary>
    /// The gradient of <see cref="SelfAttention"/>: from dc (B, T, H, dv) and the weights, per pair dw = dc·vᵀ, dv = wᵀ·dc,
    /// ds = scale · w ⊙ (dw − Σ dw·w), dq = ds·k and dk = dsᵀ·q, all three written (overwritten) into
    /// <paramref name="dqkv"/>, laid out as qkv. <paramref name="keyMajor"/>: what <see cref="SelfAttention"/> returned.
    /// </summary>
    internal static void SelfAttentionBackward(float* qkv, int ld, float* w, bool keyMajor, float* dc, float* dqkv, in Shape shape, float scale)
    {
        long kAt = (long)shape.Heads * shape.KeyFeatures;
        var body = new Body
        {
            Kind = Pass.AttendBackward, S = shape, Ld = ld, Q = qkv, K = qkv + kAt, V = qkv + 2 * kAt, W = w, Dc = dc,
            Dq = dqkv, Dk = dqkv + kAt, Dv = dqkv + 2 * kAt, Scale = scale, KeyMajor = keyMajor,
        };
        Run(ref body, 4L * shape.WeightsPerPair * (shape.KeyFeatures + shape.ValueFeatures));
    }

    /// <summary>
    /// Whether AVX-512 machines run each pair with <see cref="AttentionPairs512"/> (the default) rather than through
    /// the general GEMM: tests and the bench turn it off to compare with that reference path.
    /// </summary>
    internal static bool PairKernels = true;

    /// <summary>
    /// Whether <see cref="SelfAttention"/> takes the softmax of pairs of at most 16 query and key steps down the columns
    /// of key-major scores (<see cref="AttentionColumns512"/>; the default) rather than along the rows of query steps; the
    /// same bits either way. False for A/B comparisons; starts false when the environment variable
    /// <c>DEEPSHARP_ATTENTION_SOFTMAX</c> is <c>rows</c>.
    /// </summary>
    internal static bool ColumnSoftmax { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_ATTENTION_SOFTMAX"), "rows", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether self-attention's pairs of exactly 16 query and key steps without a mask tensor keep each 16 × 16 product in
    /// registers from its sum to its softmax or softmax gradient (<see cref="AttentionTiles512"/>; the default) rather than
    /// storing the tile for <see cref="AttentionColumns512"/>: the same bits. False for A/B comparisons; starts false when
    /// the environment variable <c>DEEPSHARP_ATTENTION_TILES</c> is <c>off</c>.
    /// </summary>
    internal static bool Tiles { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_ATTENTION_TILES"), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether self-attention takes the pairs <see cref="TakesTiles"/> takes a whole sample at a time, its heads one after
    /// the other (<see cref="AttentionSamples512"/>; the default) rather than pair by pair: the same bits. False for A/B
    /// comparisons; starts false when the environment variable <c>DEEPSHARP_ATTENTION_SAMPLES</c> is <c>off</c>.
    /// </summary>
    internal static bool Samples { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_ATTENTION_SAMPLES"), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether <see cref="Tiles"/> writes the kept weights with non-temporal stores (the default; where 64-byte aligned): no
    /// value changes. False for A/B comparisons; starts false when the environment variable <c>DEEPSHARP_ATTENTION_STREAM</c>
    /// is <c>off</c>.
    /// </summary>
    internal static bool StreamWeights { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_ATTENTION_STREAM"), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether self-attention's key-major pairs prefetch, pair by pair, a share of the next sample's rows (the default):
    /// no value changes. False for A/B comparisons; starts false when the environment variable
    /// <c>DEEPSHARP_ATTENTION_PREFETCH</c> is <c>off</c>.
    /// </summary>
    internal static bool PrefetchNextSample { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_ATTENTION_PREFETCH"), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether <see cref="SelfAttention"/> of this shape writes its weights key-major, (B, H, Tk, Tq), for its own backward:
    /// with the AVX-512 pair kernels and <see cref="ColumnSoftmax"/>, at most 16 query and key steps.
    /// </summary>
    internal static bool KeyMajorWeights(in Shape shape) =>
        PairKernels && ColumnSoftmax && Simd.Level == SimdLevel.Vector512
        && shape.QuerySteps <= AttentionColumns512.Lanes && shape.KeySteps <= AttentionColumns512.Lanes;

    /// <summary>
    /// Whether <see cref="SelfAttention"/> and its backward take the pairs of this shape with <see cref="AttentionTiles512"/>:
    /// key-major weights of exactly 16 query and 16 key steps and <see cref="Tiles"/> on; forward also needs no mask tensor
    /// (<paramref name="masked"/> false; a causal mask is fine).
    /// </summary>
    internal static bool TakesTiles(in Shape shape, bool masked) =>
        Tiles && !masked && KeyMajorWeights(shape) && shape.QuerySteps == AttentionTiles512.Steps && shape.KeySteps == AttentionTiles512.Steps;

    private static void Run(ref Body body, long flopsPerPair)
    {
        // Key-major weights were written by the pair kernels, so their backward takes them too.
        body.Fast = body.KeyMajor || (PairKernels && Simd.Level == SimdLevel.Vector512);
        body.BySample = body.KeyMajor && body.Kind is Pass.Attend or Pass.AttendBackward
            && TakesSamples(body.S, body.Kind == Pass.Attend && body.Mask.Data != null);
        int pairs = body.S.Pairs, items = body.BySample ? body.S.Batch : pairs;
        if (pairs == 0) return;
        if (items == 1 || Parallelism.Threads == 1 || flopsPerPair * pairs < ParallelMinFlops)
        {
            body.Items(0, items);
            return;
        }
        body.Chunks = Math.Min(items, Parallelism.Threads * 4);
        WorkerPool.For(body.Chunks, ref body);
    }

    /// <summary>
    /// Whether <see cref="SelfAttention"/> and its backward take the pairs of this shape a sample at a time with
    /// <see cref="AttentionSamples512"/>: the pairs <see cref="TakesTiles"/> takes, with 16 key and value features, and
    /// <see cref="Samples"/> on.
    /// </summary>
    internal static bool TakesSamples(in Shape shape, bool masked) =>
        Samples && TakesTiles(shape, masked) && shape.KeyFeatures == AttentionSamples512.Size && shape.ValueFeatures == AttentionSamples512.Size;

    private enum Pass
    {
        Weights,
        WeightsBackward,
        Softmax,
        Context,
        ContextBackward,
        Attend,
        AttendBackward,
    }

    private struct Body : IParallelBody
    {
        public Pass Kind;
        public Shape S;
        public float* Q, K, V, W, C, Dw, Ds, Dq, Dk, Dv, Dc;
        public float Scale;
        public AttentionMask Mask;
        public int Chunks;
        public bool Fast;

        /// <summary>Whether the Attend passes keep the weights key-major (see <see cref="KeyMajorWeights"/>).</summary>
        public bool KeyMajor;

        /// <summary>Distance between the steps of q, k and v (and of their gradients) when packed in one tensor; 0 for the separate layouts.</summary>
        public int Ld;

        /// <summary>Whether the items are whole samples (<see cref="AttentionSamples512"/>) rather than (sample, head) pairs.</summary>
        public bool BySample;

        public readonly void Execute(int chunk)
        {
            int items = BySample ? S.Batch : S.Pairs;
            Items((int)((long)items * chunk / Chunks), (int)((long)items * (chunk + 1) / Chunks));
        }

        /// <summary>Items [first, last): samples when <see cref="BySample"/>, pairs otherwise.</summary>
        public readonly void Items(int first, int last)
        {
            if (!BySample)
            {
                Pairs(first, last);
                return;
            }
            var problem = new AttentionSamples512.Problem
            {
                Qkv = Q, W = W, C = C, Dc = Dc, Dqkv = Dq, Ld = Ld, Heads = S.Heads, Batch = S.Batch, Scale = Scale,
                Causal = Mask.Causal, Stream = StreamWeights, Prefetch = PrefetchNextSample,
            };
            float* scratch = Scratch.For(AttentionSamples512.ScratchFloats);
            if (Kind == Pass.Attend) AttentionSamples512.Forward(problem, first, last, scratch);
            else AttentionSamples512.Backward(problem, first, last, scratch);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Pairs(int first, int last)
        {
            if (Fast)
            {
                FastPairs(first, last);
                return;
            }
            int h = S.Heads, tq = S.QuerySteps, tk = S.KeySteps, dk = S.KeyFeatures, dv = S.ValueFeatures;
            int ldk = Ld != 0 ? Ld : h * dk, ldv = Ld != 0 ? Ld : h * dv, ldc = h * dv;
            float* dw = Kind == Pass.AttendBackward ? Scratch.For(2 * S.WeightsPerPair) : null, ds = dw + S.WeightsPerPair;
            for (int pair = first; pair < last; pair++)
            {
                var (b, wAt, qAt, kAt, vAt, cAt) = Offsets(pair);
                switch (Kind)
                {
                    case Pass.Attend:
                        Gemm.Multiply(false, true, tq, tk, dk, Q + qAt, ldk, K + kAt, ldk, W + wAt, tk);
                        SoftmaxRows(W + wAt, W + wAt, b);
                        Gemm.Multiply(false, false, tq, dv, tk, W + wAt, tk, V + vAt, ldv, C + cAt, ldc);
                        break;
                    case Pass.AttendBackward:
                        Gemm.Multiply(false, true, tq, tk, dv, Dc + cAt, ldc, V + vAt, ldv, dw, tk);
                        Gemm.Multiply(true, false, tk, dv, tq, W + wAt, tk, Dc + cAt, ldc, Dv + vAt, ldv);
                        for (int i = 0; i < tq; i++)
                            SoftmaxBackwardRow(W + wAt + (long)i * tk, dw + (long)i * tk, ds + (long)i * tk, tk, Scale);
                        Gemm.Multiply(false, false, tq, dk, tk, ds, tk, K + kAt, ldk, Dq + qAt, ldk);
                        Gemm.Multiply(true, false, tk, dk, tq, ds, tk, Q + qAt, ldk, Dk + kAt, ldk);
                        break;
                    case Pass.Weights:
                        Gemm.Multiply(false, true, tq, tk, dk, Q + qAt, ldk, K + kAt, ldk, W + wAt, tk);
                        SoftmaxRows(W + wAt, W + wAt, b);
                        break;
                    case Pass.Softmax:
                        SoftmaxRows(Q + wAt, W + wAt, b);
                        break;
                    case Pass.WeightsBackward:
                        for (int i = 0; i < tq; i++)
                        {
                            long row = wAt + (long)i * tk;
                            SoftmaxBackwardRow(W + row, Dw + row, Ds + row, tk, Scale);
                        }
                        if (Dq != null) Gemm.Multiply(false, false, tq, dk, tk, Ds + wAt, tk, K + kAt, ldk, Dq + qAt, ldk);
                        if (Dk != null) Gemm.Multiply(true, false, tk, dk, tq, Ds + wAt, tk, Q + qAt, ldk, Dk + kAt, ldk);
                        break;
                    case Pass.Context:
                        Gemm.Multiply(false, false, tq, dv, tk, W + wAt, tk, V + vAt, ldv, C + cAt, ldc);
                        break;
                    default:
                        if (Dw != null) Gemm.Multiply(false, true, tq, tk, dv, Dc + cAt, ldc, V + vAt, ldv, Dw + wAt, tk);
                        if (Dv != null) Gemm.Multiply(true, false, tk, dv, tq, W + wAt, tk, Dc + cAt, ldc, Dv + vAt, ldv);
                        break;
                }
            }
        }

        /// <summary>
        /// Where pair <paramref name="pair"/> (sample b, head pair mod heads) starts in the weights, the query, key,
        /// value and context arrays; and its sample.
        /// </summary>
        private readonly (int Sample, long W, long Q, long K, long V, long C) Offsets(int pair)
        {
            int h = S.Heads, b = pair / h, head = pair % h, ldc = h * S.ValueFeatures;
            int ldk = Ld != 0 ? Ld : h * S.KeyFeatures, ldv = Ld != 0 ? Ld : ldc;
            return (b, pair * S.WeightsPerPair,
                (long)b * S.QuerySteps * ldk + (long)head * S.KeyFeatures, (long)b * S.KeySteps * ldk + (long)head * S.KeyFeatures,
                (long)b * S.KeySteps * ldv + (long)head * S.ValueFeatures, (long)b * S.QuerySteps * ldc + (long)head * S.ValueFeatures);
        }

        /// <summary>The pairs [first, last) with <see cref="AttentionPairs512"/>: the same products, in one pass per pair.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void FastPairs(int first, int last)
        {
            if (KeyMajor)
            {
                KeyMajorPairs(first, last);
                return;
            }
            int h = S.Heads, tq = S.QuerySteps, tk = S.KeySteps, dk = S.KeyFeatures, dv = S.ValueFeatures;
            int ldk = Ld != 0 ? Ld : h * dk, ldv = Ld != 0 ? Ld : h * dv, ldc = h * dv;
            long transposedSize = (long)Math.Max(dk, dv) * tk;
            float* transposed = Kind is Pass.Weights or Pass.ContextBackward or Pass.Attend or Pass.AttendBackward
                ? Scratch.For(transposedSize + 2 * S.WeightsPerPair) : null;
            float* dw = transposed + transposedSize, ds = dw + S.WeightsPerPair;
            for (int pair = first; pair < last; pair++)
            {
                var (b, wAt, qAt, kAt, vAt, cAt) = Offsets(pair);
                switch (Kind)
                {
                    case Pass.Attend:
                        AttentionPairs512.Transpose(K + kAt, ldk, tk, dk, transposed);                         // kᵀ: dk × tk
                        AttentionPairs512.Product(tq, tk, dk, Q + qAt, ldk, 1, transposed, tk, W + wAt, tk);    // q·kᵀ
                        SoftmaxRowsInPlace(W + wAt, b);
                        AttentionPairs512.Product(tq, dv, tk, W + wAt, tk, 1, V + vAt, ldv, C + cAt, ldc);     // w·v
                        break;
                    case Pass.AttendBackward:
                        AttentionPairs512.Transpose(V + vAt, ldv, tk, dv, transposed);                         // vᵀ: dv × tk
                        AttentionPairs512.Product(tq, tk, dv, Dc + cAt, ldc, 1, transposed, tk, dw, tk);       // dw = dc·vᵀ
                        AttentionPairs512.Product(tk, dv, tq, W + wAt, 1, tk, Dc + cAt, ldc, Dv + vAt, ldv);   // dv = wᵀ·dc
                        for (int i = 0; i < tq; i++)
                            AttentionPairs512.SoftmaxBackwardRow(W + wAt + (long)i * tk, dw + (long)i * tk, ds + (long)i * tk, tk, Scale);
                        AttentionPairs512.Product(tq, dk, tk, ds, tk, 1, K + kAt, ldk, Dq + qAt, ldk);         // dq = ds·k
                        AttentionPairs512.Product(tk, dk, tq, ds, 1, tk, Q + qAt, ldk, Dk + kAt, ldk);         // dk = dsᵀ·q
                        break;
                    case Pass.Weights:
                        AttentionPairs512.Transpose(K + kAt, ldk, tk, dk, transposed);                         // kᵀ: dk × tk
                        AttentionPairs512.Product(tq, tk, dk, Q + qAt, ldk, 1, transposed, tk, W + wAt, tk);    // q·kᵀ
                        SoftmaxRowsInPlace(W + wAt, b);
                        break;
                    case Pass.Softmax:
                        Buffer.MemoryCopy(Q + wAt, W + wAt, S.WeightsPerPair * sizeof(float), S.WeightsPerPair * sizeof(float));
                        SoftmaxRowsInPlace(W + wAt, b);
                        break;
                    case Pass.WeightsBackward:
                        for (int i = 0; i < tq; i++)
                        {
                            long row = wAt + (long)i * tk;
                            AttentionPairs512.SoftmaxBackwardRow(W + row, Dw + row, Ds + row, tk, Scale);
                        }
                        if (Dq != null) AttentionPairs512.Product(tq, dk, tk, Ds + wAt, tk, 1, K + kAt, ldk, Dq + qAt, ldk);  // ds·k
                        if (Dk != null) AttentionPairs512.Product(tk, dk, tq, Ds + wAt, 1, tk, Q + qAt, ldk, Dk + kAt, ldk);  // dsᵀ·q
                        break;
                    case Pass.Context:
                        AttentionPairs512.Product(tq, dv, tk, W + wAt, tk, 1, V + vAt, ldv, C + cAt, ldc);     // w·v
                        break;
                    default:
                        if (Dw != null)
                        {
                            AttentionPairs512.Transpose(V + vAt, ldv, tk, dv, transposed);                    // vᵀ: dv × tk
                            AttentionPairs512.Product(tq, tk, dv, Dc + cAt, ldc, 1, transposed, tk, Dw + wAt, tk); // dc·vᵀ
                        }
                        if (Dv != null) AttentionPairs512.Product(tk, dv, tq, W + wAt, 1, tk, Dc + cAt, ldc, Dv + vAt, ldv); // wᵀ·dc
                        break;
                }
            }
        }

        /// <summary>
        /// Self-attention's pairs [first, last) with the scores and weights key-major (<see cref="AttentionColumns512"/>):
        /// sᵀ = k·qᵀ, the softmax down its columns, c = w·v reading the weights transposed; backward dwᵀ = v·dcᵀ,
        /// dv = wᵀ·dc, dsᵀ, dq = ds·k and dk = dsᵀ·q. The same products, summed in the same order, as
        /// <see cref="FastPairs"/>: only which operand is transposed into scratch differs (q and dc instead of k and v).
        /// Pairs of 16 steps (<see cref="TakesTiles"/>) keep each 16 × 16 product in registers through the softmax or its
        /// gradient (<see cref="AttentionTiles512"/>), with the same bits.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void KeyMajorPairs(int first, int last)
        {
            const int lanes = AttentionColumns512.Lanes, tile = lanes * lanes;
            int h = S.Heads, tq = S.QuerySteps, tk = S.KeySteps, dk = S.KeyFeatures, dv = S.ValueFeatures;
            int ldk = Ld != 0 ? Ld : h * dk, ldv = Ld != 0 ? Ld : h * dv, ldc = h * dv;
            float* transposed = Scratch.For((long)Math.Max(dk, dv) * lanes + 4 * tile);
            float* scores = transposed + (long)Math.Max(dk, dv) * lanes, ds = scores + tile, products = ds + tile, allowed = products + tile;
            bool prefetch = PrefetchNextSample;
            bool tiles = TakesTiles(S, Mask.Data != null), stream = tiles && StreamWeights;
            for (int pair = first; pair < last; pair++)
            {
                var (b, wAt, qAt, kAt, vAt, cAt) = Offsets(pair);
                if (prefetch) PrefetchNext(pair, weights: !(stream && Kind == Pass.Attend));
                if (tiles && Kind == Pass.Attend)
                {
                    TileWeights(qAt, kAt, W + wAt, stream, transposed, scores, products, ds);
                    AttentionTiles512.Product(dv, tk, ds, 1, lanes, V + vAt, ldv, C + cAt, ldc);                 // c = w·v
                    continue;
                }
                if (tiles)
                {
                    float* w = W + wAt;
                    AttentionPairs512.Transpose(Dc + cAt, ldc, tq, dv, transposed, lanes);                       // dcᵀ: dv × tq
                    AttentionTiles512.SoftmaxGradient(V + vAt, ldv, transposed, dv, w, Scale, ds);               // dsᵀ from dwᵀ = v·dcᵀ
                    AttentionTiles512.Product(dv, tq, w, tq, 1, Dc + cAt, ldc, Dv + vAt, ldv);                   // dv = wᵀ·dc
                    AttentionTiles512.Product(dk, tk, ds, 1, lanes, K + kAt, ldk, Dq + qAt, ldk);                // dq = ds·k
                    AttentionTiles512.Product(dk, tq, ds, lanes, 1, Q + qAt, ldk, Dk + kAt, ldk);                // dk = dsᵀ·q
                    continue;
                }
                if (Kind == Pass.Attend)
                {
                    AttentionPairs512.Transpose(Q + qAt, ldk, tq, dk, transposed, lanes);                        // qᵀ: dk × tq
                    AttentionPairs512.Product(tk, tq, dk, K + kAt, ldk, 1, transposed, lanes, scores, lanes);      // sᵀ = k·qᵀ
                    float* mask = Mask.Data == null ? null : Mask.Data + b * Mask.BatchStride;
                    if (mask != null && Mask.RowStride != 0)
                    {
                        AttentionPairs512.Transpose(mask, Mask.RowStride, tq, tk, allowed, lanes);                 // the mask key-major
                        mask = allowed;
                    }
                    AttentionColumns512.Softmax(scores, W + wAt, products, tq, tk, Scale, mask, Mask.RowStride != 0, Mask.Causal);
                    AttentionPairs512.Product(tq, dv, tk, W + wAt, 1, tq, V + vAt, ldv, C + cAt, ldc);           // c = w·v
                    continue;
                }
                AttentionPairs512.Transpose(Dc + cAt, ldc, tq, dv, transposed, lanes);                           // dcᵀ: dv × tq
                AttentionPairs512.Product(tk, tq, dv, V + vAt, ldv, 1, transposed, lanes, scores, lanes);          // dwᵀ = v·dcᵀ
                AttentionPairs512.Product(tk, dv, tq, W + wAt, tq, 1, Dc + cAt, ldc, Dv + vAt, ldv);             // dv = wᵀ·dc
                AttentionColumns512.SoftmaxBackward(W + wAt, scores, ds, products, tq, tk, Scale);                  // dsᵀ
                AttentionPairs512.Product(tq, dk, tk, ds, 1, lanes, K + kAt, ldk, Dq + qAt, ldk);                // dq = ds·k
                AttentionPairs512.Product(tk, dk, tq, ds, lanes, 1, Q + qAt, ldk, Dk + kAt, ldk);                // dk = dsᵀ·q
            }
            if (stream && Kind == Pass.Attend) Sse.StoreFence(); // the weights' non-temporal stores are seen before the pass ends
        }

        /// <summary>
        /// One pair's weights with <see cref="AttentionTiles512"/>, key-major into the scratch tile <paramref name="wt"/> and
        /// into <paramref name="w"/>: qᵀ, the scaled scores and their softmax. A query step whose scores are
        /// all −∞ (nothing to attend to) sends the pair to <see cref="AttentionColumns512.Softmax"/>, which gives it zeros.
        /// </summary>
        private readonly void TileWeights(long qAt, long kAt, float* w, bool stream, float* transposed, float* scores, float* partials, float* wt)
        {
            const int steps = AttentionTiles512.Steps;
            int dk = S.KeyFeatures, ldk = Ld != 0 ? Ld : S.Heads * dk;
            AttentionPairs512.Transpose(Q + qAt, ldk, steps, dk, transposed, steps);                                // qᵀ: dk × 16
            var max = AttentionTiles512.ScaledScores(K + kAt, ldk, transposed, dk, Scale, Mask.Causal, scores);
            if (!Vector512.EqualsAny(max, Vector512.Create(float.NegativeInfinity)))
            {
                AttentionTiles512.Softmax(scores, max, partials, wt, w, stream);
                return;
            }
            AttentionPairs512.Product(steps, steps, dk, K + kAt, ldk, 1, transposed, steps, scores, steps);          // sᵀ = k·qᵀ
            AttentionColumns512.Softmax(scores, wt, partials, steps, steps, Scale, null, false, Mask.Causal);
            Buffer.MemoryCopy(wt, w, steps * steps * sizeof(float), steps * steps * sizeof(float));
        }

        /// <summary>
        /// Asks for this pair's share (one of heads) of the next sample's memory: its q, k and v rows and its weights, and
        /// what this pass writes there (the context forward; the gradient of the context read and the packed gradient
        /// written backward). In a training step these lie beyond the caches, written ops ago, and one pair's products and
        /// softmax take about as long as fetching a share. Not the weights that forward writes with non-temporal stores
        /// (<paramref name="weights"/> false): a line fetched into the cache would have to leave it again to be streamed.
        /// </summary>
        private readonly void PrefetchNext(int pair, bool weights)
        {
            int h = S.Heads, b = pair / h + 1, share = pair % h;
            if (b >= S.Batch) return;
            long rows = (long)b * S.QuerySteps, ldc = (long)h * S.ValueFeatures;
            Lines(Q + rows * Ld, S.QuerySteps * (long)Ld, share, h);
            if (weights) Lines(W + (long)b * h * S.WeightsPerPair, h * S.WeightsPerPair, share, h);
            if (Kind == Pass.Attend) Lines(C + rows * ldc, S.QuerySteps * ldc, share, h);
            else
            {
                Lines(Dc + rows * ldc, S.QuerySteps * ldc, share, h);
                Lines(Dq + rows * Ld, S.QuerySteps * (long)Ld, share, h);
            }
        }

        /// <summary>Prefetches the cache lines of share <paramref name="share"/> of <paramref name="shares"/> of <paramref name="floats"/> floats at <paramref name="start"/>.</summary>
        private static void Lines(float* start, long floats, int share, int shares)
        {
            long end = floats * (share + 1) / shares;
            for (long f = floats * share / shares & ~15L; f < end; f += 16) Sse.Prefetch0(start + f);
        }

        /// <summary>The Tq rows of one pair in place: masked softmax(scale · x) with <see cref="AttentionPairs512.SoftmaxRow"/>.</summary>
        private readonly void SoftmaxRowsInPlace(float* w, int b)
        {
            int tq = S.QuerySteps, tk = S.KeySteps;
            for (int i = 0; i < tq; i++)
            {
                float* allowed = Mask.Data == null ? null : Mask.Data + b * Mask.BatchStride + (long)i * Mask.RowStride;
                AttentionPairs512.SoftmaxRow(w + (long)i * tk, tk, Scale, allowed, Mask.Causal ? i + 1 : tk);
            }
        }

        /// <summary>The Tq rows of one pair: y = masked softmax(scale · x); x and y may be the same memory.</summary>
        private readonly void SoftmaxRows(float* x, float* y, int b)
        {
            int tq = S.QuerySteps, tk = S.KeySteps;
            for (int i = 0; i < tq; i++)
            {
                var row = new Span<float>(y + (long)i * tk, tk);
                var source = new ReadOnlySpan<float>(x + (long)i * tk, tk);
                if (Scale != 1f) TensorPrimitives.Multiply(source, Scale, row);
                else if (x != y) source.CopyTo(row);
                if (Mask.Data != null)
                {
                    float* allowed = Mask.Data + b * Mask.BatchStride + (long)i * Mask.RowStride;
                    for (int j = 0; j < tk; j++)
                        if (allowed[j] == 0f) row[j] = float.NegativeInfinity;
                }
                if (Mask.Causal && i + 1 < tk) row[(i + 1)..].Fill(float.NegativeInfinity);
                SoftmaxRow(row);
            }
        }
    }

    /// <summary>
    /// Softmax of one row in place, −∞ entries being masked ones: a NaN stays NaN, a row of −∞ alone (nothing to
    /// attend to) becomes zeros.
    /// </summary>
    private static void SoftmaxRow(Span<float> row)
    {
        float max = TensorPrimitives.Max(row);
        if (float.IsNegativeInfinity(max))
        {
            row.Clear();
            return;
        }
        VectorLoop.Map(new ExpOfDifference(), row, max, row); // e^(−∞ − max) = 0: masked entries drop out of the sum
        TensorPrimitives.Multiply(row, 1f / TensorPrimitives.Sum(row), row);
    }

    /// <summary>ds = scale · w ⊙ (dw − Σ dw·w) over one row (the reference of <see cref="AttentionPairs512.SoftmaxBackwardRow"/>).</summary>
    private static void SoftmaxBackwardRow(float* w, float* dw, float* ds, int n, float scale)
    {
        var wRow = new ReadOnlySpan<float>(w, n);
        var dwRow = new ReadOnlySpan<float>(dw, n);
        var dsRow = new Span<float>(ds, n);
        TensorPrimitives.Subtract(dwRow, TensorPrimitives.Dot(dwRow, wRow), dsRow);
        TensorPrimitives.Multiply(dsRow, wRow, dsRow);
        if (scale != 1f) TensorPrimitives.Multiply(dsRow, scale, dsRow);
    }

    /// <summary>e^(x − m).</summary>
    private readonly struct ExpOfDifference : IBinaryFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Apply<T>(T x, T m) where T : struct, ILanes<T> => LaneMath.Exp(x - m);
    }

    /// <summary>A thread's scratch block for a pair's transposed keys or values, grown as needed and kept.</summary>
    private sealed class Scratch
    {
        [ThreadStatic] private static Scratch? t_current;
        private float* _pointer;
        private long _capacity;

        internal static float* For(long floats)
        {
            var s = t_current ??= new Scratch();
            if (s._capacity < floats)
            {
                System.Runtime.InteropServices.NativeMemory.AlignedFree(s._pointer);
                s._pointer = null;
                s._capacity = 0;
                s._pointer = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
                s._capacity = floats;
            }
            return s._pointer;
        }

        ~Scratch() => System.Runtime.InteropServices.NativeMemory.AlignedFree(_pointer);
    }
}
