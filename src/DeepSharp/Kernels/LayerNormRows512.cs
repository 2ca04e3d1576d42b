using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// The row passes of <see cref="LayerNormKernel"/> with AVX-512: the same formulas, written as a few loops over the
/// row's 16-float pieces (masked at a short end) instead of one library call per step. A transformer's rows are short
/// (64 features in the vit example), and there the calls' fixed costs were most of the time. Sums of lanes take the tree
/// of <see cref="LaneSums512"/>, as <see cref="LayerNormBlocks512"/> does for 16 rows at once: the same bits.
/// </summary>
internal static unsafe class LayerNormRows512
{
    /// <summary>y = (x − μ)/√(σ² + ε)·γ + β over one row of n; γ or β may be null (1 and 0); returns μ and 1/√(σ² + ε).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (float Mean, float InvStd) Forward(float* x, float* gamma, float* beta, float* y, int n, float epsilon)
    {
        var zero = Vector512<float>.Zero;
        var sum = zero;
        for (int j = 0; j < n; j += 16) sum += Avx512F.MaskLoad(x + j, GemmKernel512.ColumnMask(n - j), zero);
        float mean = LaneSums512.Of(sum) / n;
        var meanVector = Vector512.Create(mean);
        var squares = zero;
        for (int j = 0; j < n; j += 16)
        {
            var mask = GemmKernel512.ColumnMask(n - j);
            var centered = Avx512F.MaskLoad(x + j, mask, meanVector) - meanVector; // masked-off lanes: 0
            squares = Vector512.FusedMultiplyAdd(centered, centered, squares);
        }
        float invStd = 1f / MathF.Sqrt(LaneSums512.Of(squares) / n + epsilon);
        var invStdVector = Vector512.Create(invStd);
        var one = Vector512.Create(1f);
        for (int j = 0; j < n; j += 16)
        {
            var mask = GemmKernel512.ColumnMask(n - j);
            var normalized = (Avx512F.MaskLoad(x + j, mask, zero) - meanVector) * invStdVector;
            if (gamma != null) normalized *= Avx512F.MaskLoad(gamma + j, mask, one);
            if (beta != null) normalized += Avx512F.MaskLoad(beta + j, mask, zero);
            Avx512F.MaskStore(y + j, mask, normalized);
        }
        return (mean, invStd);
    }

    /// <summary>
    /// dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))/σ with dx̂ = dy·γ over one row (dx may be null); with
    /// <paramref name="sums"/> also dγ += dy·x̂ and dβ += dy into the chunk's partial rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Backward(float* x, float* gamma, float* dy, float mean, float invStd, float* dx, bool addToDx,
        bool sums, float* dGamma, float* dBeta, int n)
    {
        var (scaledSum, productSum) = BackwardSums(x, gamma, dy, mean, invStd, dx != null, sums, dGamma, dBeta, n);
        if (dx == null) return;
        BackwardInput(x, gamma, dy, mean, invStd, LaneSums512.Of(scaledSum) / n, -LaneSums512.Of(productSum) / n, dx, addToDx, n);
    }

    /// <summary>
    /// One row's first backward sweep: the lane sums of dx̂ and dx̂·x̂ (when <paramref name="wantInput"/>) and, with
    /// <paramref name="sums"/>, dγ += dy·x̂ and dβ += dy. Shared with <see cref="LayerNormBlocks512"/>, which reduces
    /// the lane sums of 16 rows at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector512<float> Scaled, Vector512<float> Product) BackwardSums(float* x, float* gamma, float* dy,
        float mean, float invStd, bool wantInput, bool sums, float* dGamma, float* dBeta, int n)
    {
        var zero = Vector512<float>.Zero;
        var one = Vector512.Create(1f);
        var meanVector = Vector512.Create(mean);
        var invStdVector = Vector512.Create(invStd);
        var scaledSum = zero;
        var productSum = zero;
        for (int j = 0; j < n; j += 16)
        {
            var mask = GemmKernel512.ColumnMask(n - j);
            var normalized = (Avx512F.MaskLoad(x + j, mask, zero) - meanVector) * invStdVector;
            var g = Avx512F.MaskLoad(dy + j, mask, zero);
            if (sums)
            {
                Avx512F.MaskStore(dGamma + j, mask, Vector512.FusedMultiplyAdd(g, normalized, Avx512F.MaskLoad(dGamma + j, mask, zero)));
                Avx512F.MaskStore(dBeta + j, mask, Avx512F.MaskLoad(dBeta + j, mask, zero) + g);
            }
            if (!wantInput) continue;
            var scaled = gamma != null ? g * Avx512F.MaskLoad(gamma + j, mask, one) : g; // masked-off lanes: 0
            scaledSum += scaled;
            productSum = Vector512.FusedMultiplyAdd(scaled, normalized & mask, productSum);
        }
        return (scaledSum, productSum);
    }

    /// <summary>
    /// One row's second backward sweep: dx = (dx̂ + x̂·<paramref name="meanProduct"/> − <paramref name="meanScaled"/>)/σ,
    /// added to what dx holds when <paramref name="addToDx"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void BackwardInput(float* x, float* gamma, float* dy, float mean, float invStd,
        float meanScaled, float meanProduct, float* dx, bool addToDx, int n)
    {
        var zero = Vector512<float>.Zero;
        var one = Vector512.Create(1f);
        var meanVector = Vector512.Create(mean);
        var invStdVector = Vector512.Create(invStd);
        var meanScaledVector = Vector512.Create(meanScaled);
        var meanProductVector = Vector512.Create(meanProduct);
        for (int j = 0; j < n; j += 16)
        {
            var mask = GemmKernel512.ColumnMask(n - j);
            var normalized = (Avx512F.MaskLoad(x + j, mask, zero) - meanVector) * invStdVector;
            var g = Avx512F.MaskLoad(dy + j, mask, zero);
            var scaled = gamma != null ? g * Avx512F.MaskLoad(gamma + j, mask, one) : g;
            var d = (Vector512.FusedMultiplyAdd(normalized, meanProductVector, scaled) - meanScaledVector) * invStdVector;
            if (addToDx) d = Avx512F.MaskLoad(dx + j, mask, zero) + d;
            Avx512F.MaskStore(dx + j, mask, d);
        }
    }
}
