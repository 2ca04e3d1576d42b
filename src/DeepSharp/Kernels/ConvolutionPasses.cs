using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// The elementwise passes around a convolution's GEMM, run on a block of rows while it is in cache: bias and
/// activation (and a dropout mask of floats or bits, see <see cref="FusedActivation"/>) on the way out, the same taken back and the bias
/// gradient on the way back. Written once over lanes; each row's tail runs one lane at a time.
/// </summary>
internal static unsafe class ConvolutionPasses
{
    /// <summary>
    /// y = act(y + bias)·mask over <paramref name="rows"/> rows of <paramref name="columns"/> values (the activation's
    /// mask, if any, laid out as y).
    /// </summary>
    internal static void Output(float* y, int rows, int columns, float* bias, FusedActivation activation)
    {
        if (bias == null && activation.IsNone) return;
        var pass = new OutputPass(y, rows, columns, bias, activation);
        LaneKernel.Run(ref pass);
    }

    /// <summary>
    /// dy = g·mask·act'(output) into rows <paramref name="ldDy"/> floats apart (columns past
    /// <paramref name="columns"/> zero), and the column sums of dy added to <paramref name="biasSum"/> when given.
    /// </summary>
    internal static void Gradient(float* g, float* output, FusedActivation activation, int rows, int columns,
        float* dy, int ldDy, float* biasSum)
    {
        var pass = new GradientPass(g, output, activation, rows, columns, dy, ldDy, biasSum);
        LaneKernel.Run(ref pass);
    }

    private readonly struct OutputPass(float* y, int rows, int columns, float* bias, FusedActivation activation) : ILaneKernel
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<T>() where T : struct, ILanes<T>
        {
            var kind = activation.Kind;
            float slope = activation.Slope;
            var bits = new MaskBits(activation);
            for (int r = 0; r < rows; r++)
            {
                float* row = y + (long)r * columns, mask = activation.Mask == null ? null : activation.Mask + (long)r * columns;
                var rowBits = bits.At((long)r * columns);
                int j = Columns<T>(row, bias, kind, slope, mask, rowBits, 0, columns);
                Columns<Lane1>(row, bias, kind, slope, mask, rowBits, j, columns);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Columns<T>(float* y, float* bias, FusedActivationKind kind, float slope, float* mask, MaskBits bits, int j, int n)
            where T : struct, ILanes<T>
        {
            for (; j <= n - T.Count; j += T.Count)
            {
                var v = T.Load(y + j);
                if (bias != null) v += T.Load(bias + j);
                if (kind == FusedActivationKind.Relu) v = T.Max(v, T.Broadcast(0f));
                else if (kind == FusedActivationKind.LeakyRelu) v = T.Select(T.GreaterThan(v, T.Broadcast(0f)), v, v * T.Broadcast(slope));
                if (mask != null) v *= T.Load(mask + j);
                else if (bits.Bits != null) v *= bits.Lanes<T>(j);
                T.Store(y + j, v);
            }
            return j;
        }
    }

    private readonly struct GradientPass(float* g, float* output, FusedActivation activation, int rows, int columns, float* dy, int ldDy, float* biasSum)
        : ILaneKernel
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<T>() where T : struct, ILanes<T>
        {
            var kind = activation.Kind;
            float slope = activation.Slope;
            var bits = new MaskBits(activation);
            for (int r = 0; r < rows; r++)
            {
                float* gr = g + (long)r * columns, o = output + (long)r * columns, d = dy + (long)r * ldDy;
                float* mask = activation.Mask == null ? null : activation.Mask + (long)r * columns;
                var rowBits = bits.At((long)r * columns);
                int j = Columns<T>(gr, o, kind, slope, mask, rowBits, d, biasSum, 0, columns);
                Columns<Lane1>(gr, o, kind, slope, mask, rowBits, d, biasSum, j, columns);
                if (ldDy > columns) new Span<float>(d + columns, ldDy - columns).Clear();
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Columns<T>(float* g, float* output, FusedActivationKind kind, float slope, float* mask, MaskBits bits, float* dy,
            float* biasSum, int j, int n)
            where T : struct, ILanes<T>
        {
            for (; j <= n - T.Count; j += T.Count)
            {
                var v = T.Load(g + j);
                if (mask != null) v *= T.Load(mask + j);
                else if (bits.Bits != null) v *= bits.Lanes<T>(j);
                if (kind == FusedActivationKind.Relu) v = T.GreaterThan(T.Load(output + j), T.Broadcast(0f)) & v;
                else if (kind == FusedActivationKind.LeakyRelu) v = T.Select(T.GreaterThan(T.Load(output + j), T.Broadcast(0f)), v, v * T.Broadcast(slope));
                T.Store(dy + j, v);
                if (biasSum != null) T.Store(biasSum + j, T.Load(biasSum + j) + v);
            }
            return j;
        }
    }

    /// <summary>
    /// A bit mask read as lanes of floats: the scale where a bit is set, 0 where it is clear, the values a float mask of
    /// the same draws holds, so that multiplying by either gives the same bits.
    /// </summary>
    private readonly struct MaskBits(byte* bits, long first, float scale)
    {
        public MaskBits(FusedActivation activation) : this(activation.MaskBits, activation.MaskBitShift, activation.MaskScale) { }

        public byte* Bits => bits;

        /// <summary>The mask of the values from <paramref name="values"/> on.</summary>
        public MaskBits At(long values) => new(bits, first + values, scale);

        /// <summary>Lanes of values <paramref name="j"/> onward.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Lanes<T>(int j) where T : struct, ILanes<T>
        {
            uint set = (uint)BernoulliMask.BitsAt(bits, first + j);
            if (typeof(T) == typeof(Lanes512))
            {
                var laneBits = Vector512.Create(1u, 2u, 4u, 8u, 16u, 32u, 64u, 128u, 256u, 512u, 1024u, 2048u, 4096u, 8192u, 16384u, 32768u);
                var kept = Vector512.Equals(Vector512.Create(set) & laneBits, laneBits).AsSingle();
                var lanes = new Lanes512(Vector512.ConditionalSelect(kept, Vector512.Create(scale), Vector512<float>.Zero));
                return Unsafe.As<Lanes512, T>(ref lanes);
            }
            if (typeof(T) == typeof(Lanes256))
            {
                var laneBits = Vector256.Create(1u, 2u, 4u, 8u, 16u, 32u, 64u, 128u);
                var kept = Vector256.Equals(Vector256.Create(set) & laneBits, laneBits).AsSingle();
                var lanes = new Lanes256(Vector256.ConditionalSelect(kept, Vector256.Create(scale), Vector256<float>.Zero));
                return Unsafe.As<Lanes256, T>(ref lanes);
            }
            if (typeof(T) == typeof(Lanes128))
            {
                var laneBits = Vector128.Create(1u, 2u, 4u, 8u);
                var kept = Vector128.Equals(Vector128.Create(set) & laneBits, laneBits).AsSingle();
                var lanes = new Lanes128(Vector128.ConditionalSelect(kept, Vector128.Create(scale), Vector128<float>.Zero));
                return Unsafe.As<Lanes128, T>(ref lanes);
            }
            if (T.Count != 1) throw new NotSupportedException($"A bit mask is read for lanes of 16, 8, 4 or 1 floats, not {T.Count}.");
            var one = new Lane1((set & 1) != 0 ? scale : 0f);
            return Unsafe.As<Lane1, T>(ref one);
        }
    }
}
