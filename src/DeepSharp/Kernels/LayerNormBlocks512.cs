using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// The passes of <see cref="LayerNormRows512"/> over blocks of up to 16 rows at once. A short row (64 features in the vit
/// example) is a few vectors, and each of its statistics ends in a horizontal sum whose latency the next step waits for:
/// one row at a time, those waits were most of the time. Here the rows' vector partial sums are gathered first and
/// summed together (<see cref="LaneSums512.OfEach"/>: lane r is row r's sum), and the means, variances and square roots
/// of the block are one vector operation each. Every value is computed as <see cref="LayerNormRows512"/> computes it,
/// in the same order and the same sum tree, so both give the same bits.
/// </summary>
internal static unsafe class LayerNormBlocks512
{
    /// <summary>Rows per block: one per lane.</summary>
    internal const int Rows = 16;

    /// <summary>Floats of scratch a block needs (two tiles of partial sums and two rows of statistics).</summary>
    internal const int ScratchFloats = 2 * Rows * 16 + 2 * 16;

    /// <summary>
    /// y = (x − μ)/√(σ² + ε)·γ + β for <paramref name="rows"/> ≤ 16 rows of n (rows n apart); γ or β may be null; the
    /// rows' μ and 1/√(σ² + ε) go to <paramref name="mean"/>[0..rows) and <paramref name="invStd"/>[0..rows).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Forward(float* x, float* gamma, float* beta, float* y, float* mean, float* invStd, int rows, int n, float epsilon, float* scratch)
    {
        var zero = Vector512<float>.Zero;
        var one = Vector512.Create(1f);
        var count = Vector512.Create((float)n);
        var block = GemmKernel512.ColumnMask(rows);
        float* sums = scratch, means = scratch + Rows * 16, invStds = means + 16; // the statistics are read back from full stores
        for (int r = 0; r < Rows; r++)
        {
            var sum = zero;
            if (r < rows)
                for (int j = 0; j < n; j += 16) sum += Avx512F.MaskLoad(x + (nint)r * n + j, GemmKernel512.ColumnMask(n - j), zero);
            sum.Store(sums + 16 * r);
        }
        var meanOfRows = LaneSums512.OfEach(sums) / count;
        meanOfRows.Store(means);
        Avx512F.MaskStore(mean, block, meanOfRows);
        for (int r = 0; r < Rows; r++)
        {
            var squares = zero;
            if (r < rows)
            {
                var meanVector = Vector512.Create(means[r]);
                for (int j = 0; j < n; j += 16)
                {
                    var centered = Avx512F.MaskLoad(x + (nint)r * n + j, GemmKernel512.ColumnMask(n - j), meanVector) - meanVector; // masked-off lanes: 0
                    squares = Vector512.FusedMultiplyAdd(centered, centered, squares);
                }
            }
            squares.Store(sums + 16 * r);
        }
        var invStdOfRows = one / Vector512.Sqrt(LaneSums512.OfEach(sums) / count + Vector512.Create(epsilon));
        invStdOfRows.Store(invStds);
        Avx512F.MaskStore(invStd, block, invStdOfRows);
        for (int r = 0; r < rows; r++)
        {
            var meanVector = Vector512.Create(means[r]);
            var invStdVector = Vector512.Create(invStds[r]);
            float* xr = x + (nint)r * n, yr = y + (nint)r * n;
            for (int j = 0; j < n; j += 16)
            {
                var mask = GemmKernel512.ColumnMask(n - j);
                var normalized = (Avx512F.MaskLoad(xr + j, mask, zero) - meanVector) * invStdVector;
                if (gamma != null) normalized *= Avx512F.MaskLoad(gamma + j, mask, one);
                if (beta != null) normalized += Avx512F.MaskLoad(beta + j, mask, zero);
                Avx512F.MaskStore(yr + j, mask, normalized);
            }
        }
    }

    /// <summary>
    /// dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))/σ with dx̂ = dy·γ for <paramref name="rows"/> ≤ 16 rows (dx may be null; added
    /// to what it holds when <paramref name="addToDx"/>),
    /// from their saved μ and 1/σ; with <paramref name="sums"/> also dγ += dy·x̂ and dβ += dy, row after row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Backward(float* x, float* gamma, float* dy, float* mean, float* invStd, float* dx, bool addToDx,
        bool sums, float* dGamma, float* dBeta, int rows, int n, float* scratch)
    {
        float* scaledSums = scratch, productSums = scratch + Rows * 16, meanScaled = productSums + Rows * 16, meanProduct = meanScaled + 16;
        for (int r = 0; r < Rows; r++)
        {
            var (scaledSum, productSum) = r < rows
                ? LayerNormRows512.BackwardSums(x + (nint)r * n, gamma, dy + (nint)r * n, mean[r], invStd[r], dx != null, sums, dGamma, dBeta, n)
                : (Vector512<float>.Zero, Vector512<float>.Zero);
            scaledSum.Store(scaledSums + 16 * r);
            productSum.Store(productSums + 16 * r);
        }
        if (dx == null) return;
        var count = Vector512.Create((float)n);
        (LaneSums512.OfEach(scaledSums) / count).Store(meanScaled);
        (-LaneSums512.OfEach(productSums) / count).Store(meanProduct);
        for (int r = 0; r < rows; r++)
            LayerNormRows512.BackwardInput(x + (nint)r * n, gamma, dy + (nint)r * n, mean[r], invStd[r], meanScaled[r], meanProduct[r],
                dx + (nint)r * n, addToDx, n);
    }
}
