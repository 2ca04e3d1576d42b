using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// One step's weight-gradient products inside an LSTM's backward loop, for one chunk of rows:
/// K += xᵀ·dZ and R += hᵀ·dZ, where x (rows × features) and h (rows × units) are that step's inputs and states and dZ
/// (rows × gates·units) its pre-activation gradients. Both products read the same dZ: here it is cut into the
/// micro-kernel's panels once and both products' row tiles run against those panels, where two GEMM calls would each
/// read dZ where it lies (rows a cache-unfriendly 4·units floats apart) and pay a call's set-up twice.
/// <para>
/// Every element is the sum a GEMM call forms (the same micro-kernel, the same k blocks and order, the same tiles), so
/// the results are the bits of <c>Gemm.Multiply(true, false, …)</c> for each product.
/// </para>
/// </summary>
internal static unsafe class StepWeightGradients
{
    /// <summary>One product's left operand and result: A stored rows × <see cref="M"/> (<see cref="Lda"/> apart), C = M × n.</summary>
    internal struct Side
    {
        public float* A, C;
        public int M, Lda;
    }

    /// <summary>
    /// <paramref name="kernel"/>.C (+)= <paramref name="kernel"/>.Aᵀ·dZ and <paramref name="recurrent"/>.C (+)=
    /// <paramref name="recurrent"/>.Aᵀ·dZ, for dZ of <paramref name="rows"/> × <paramref name="n"/> (rows n apart);
    /// a side with a null C is skipped.
    /// </summary>
    internal static void Add(int rows, int n, float* dz, in Side kernel, in Side recurrent, bool accumulate)
    {
        if (rows <= 0 || n <= 0) return;
        switch (Gemm.Available(Simd.Level))
        {
            case SimdLevel.Vector512: Run<GemmKernel512>(rows, n, dz, kernel, recurrent, accumulate); break;
            case SimdLevel.Vector256: Run<GemmKernelLanes<Lanes256>>(rows, n, dz, kernel, recurrent, accumulate); break;
            case SimdLevel.Vector128: Run<GemmKernelLanes<Lanes128>>(rows, n, dz, kernel, recurrent, accumulate); break;
            default: Run<GemmKernelScalar>(rows, n, dz, kernel, recurrent, accumulate); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TKernel>(int rows, int n, float* dz, in Side kernel, in Side recurrent, bool accumulate)
        where TKernel : struct, IGemmMicroKernel
    {
        int mr = TKernel.Rows, nr = TKernel.Columns;
        int kcStep = GemmDriver<TKernel>.KcStepFor(rows);
        long padded = (long)(n + nr - 1) / nr * nr;
        var buffers = GemmBuffers.Current;
        float* panels = buffers.Get(GemmBuffers.B, GemmDriver<TKernel>.PackedSize(rows, n));
        float* aPanel = buffers.Get(GemmBuffers.AEdge, (long)mr * kcStep);
        GemmDriver<TKernel>.PackWhole(rows, n, dz, n, panels);
        for (int pc = 0; pc < rows; pc += kcStep)
        {
            int kc = Math.Min(kcStep, rows - pc);
            bool add = accumulate || pc > 0;
            float* block = panels + pc * padded;
            if (kernel.C != null) Product<TKernel>(kernel, pc, kc, block, n, add, aPanel);
            if (recurrent.C != null) Product<TKernel>(recurrent, pc, kc, block, n, add, aPanel);
        }
    }

    /// <summary>Rows of C = side.M, k range [pc, pc + kc), against the k block's packed panels of B.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Product<TKernel>(in Side side, int pc, int kc, float* block, int n, bool add, float* aPanel)
        where TKernel : struct, IGemmMicroKernel
    {
        int mr = TKernel.Rows, nr = TKernel.Columns;
        for (int i = 0; i < side.M; i += mr)
        {
            int tileRows = Math.Min(mr, side.M - i);
            // A full tile reads Aᵀ where it lies (mr consecutive values of each of the kc rows: measured faster than packing
            // them, see BENCHMARKS.md); an edge tile is packed, zero padded, since the micro-kernel reads all mr values of a row.
            float* a;
            nint aStep;
            if (tileRows == mr)
            {
                a = side.A + (long)pc * side.Lda + i;
                aStep = side.Lda;
            }
            else
            {
                GemmPacking<TKernel>.PackA(true, side.A, side.Lda, i, tileRows, pc, kc, aPanel);
                a = aPanel;
                aStep = mr;
            }
            float* c = side.C + (long)i * n;
            for (int j = 0; j < n; j += nr)
                TKernel.Run(kc, a, aStep, block + (long)(j / nr) * kc * nr, nr, c + j, n, tileRows, Math.Min(nr, n - j), add);
        }
    }
}
