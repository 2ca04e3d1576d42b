using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The elementwise passes around a convolution's GEMM, run on a block of rows while it is in cache: bias and
/// activation (and a dropout mask, see <see cref="FusedActivation"/>) on the way out, the same taken back and the bias
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
            for (int r = 0; r < rows; r++)
            {
                float* row = y + (long)r * columns, mask = activation.Mask == null ? null : activation.Mask + (long)r * columns;
                int j = Columns<T>(row, bias, kind, slope, mask, 0, columns);
                Columns<Lane1>(row, bias, kind, slope, mask, j, columns);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Columns<T>(float* y, float* bias, FusedActivationKind kind, float slope, float* mask, int j, int n) where T : struct, ILanes<T>
        {
            for (; j <= n - T.Count; j += T.Count)
            {
                var v = T.Load(y + j);
                if (bias != null) v += T.Load(bias + j);
                if (kind == FusedActivationKind.Relu) v = T.Max(v, T.Broadcast(0f));
                else if (kind == FusedActivationKind.LeakyRelu) v = T.Select(T.GreaterThan(v, T.Broadcast(0f)), v, v * T.Broadcast(slope));
                if (mask != null) v *= T.Load(mask + j);
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
            for (int r = 0; r < rows; r++)
            {
                float* gr = g + (long)r * columns, o = output + (long)r * columns, d = dy + (long)r * ldDy;
                float* mask = activation.Mask == null ? null : activation.Mask + (long)r * columns;
                int j = Columns<T>(gr, o, kind, slope, mask, d, biasSum, 0, columns);
                Columns<Lane1>(gr, o, kind, slope, mask, d, biasSum, j, columns);
                if (ldDy > columns) new Span<float>(d + columns, ldDy - columns).Clear();
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Columns<T>(float* g, float* output, FusedActivationKind kind, float slope, float* mask, float* dy, float* biasSum, int j, int n)
            where T : struct, ILanes<T>
        {
            for (; j <= n - T.Count; j += T.Count)
            {
                var v = T.Load(g + j);
                if (mask != null) v *= T.Load(mask + j);
                if (kind == FusedActivationKind.Relu) v = T.GreaterThan(T.Load(output + j), T.Broadcast(0f)) & v;
                else if (kind == FusedActivationKind.LeakyRelu) v = T.Select(T.GreaterThan(T.Load(output + j), T.Broadcast(0f)), v, v * T.Broadcast(slope));
                T.Store(dy + j, v);
                if (biasSum != null) T.Store(biasSum + j, T.Load(biasSum + j) + v);
            }
            return j;
        }
    }
}
