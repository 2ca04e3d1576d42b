using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// The passes of <see cref="LayerNormBlocks512"/> over tiles of up to 16 rows by 64 columns (four vectors): a tile's γ, β
/// and its columns' dγ and dβ sums stay in registers while its rows go by, instead of being loaded (and the sums stored)
/// again for every row. In the vit example a row is one tile wide, and the old passes spent most of their loads and stores
/// on those per-column values, the sums each waiting for the previous row's store. The forward also adds the residual
/// operands in its first sweep rather than in a pass of its own. Every value is computed as <see cref="LayerNormRows512"/>
/// computes it, in the same order (a row's sums over its columns left to right, a column's sums over the rows top to
/// bottom): the same bits.
/// </summary>
internal static unsafe class LayerNormTiles512
{
    /// <summary>Rows per tile: one per lane.</summary>
    internal const int Rows = 16;

    /// <summary>Columns per tile.</summary>
    private const int Columns = 64;

    /// <summary>Floats of scratch a tile needs (two 16 × 16 tiles of row partial sums and two rows of statistics).</summary>
    internal const int ScratchFloats = 2 * Rows * 16 + 2 * 16;

    /// <summary>
    /// The rows of a later block that a tile asks for while it works, one row of a tensor per row it works on in each sweep:
    /// <see cref="First"/> in the first sweep, <see cref="Second"/> in the second, <see cref="Third"/> in the third (forward:
    /// the residual operand or input, the sum, y; backward: the input, the pending gradient; null: not asked for).
    /// </summary>
    internal struct Lookahead
    {
        public float* First, Second, Third;
        public int Rows;

        /// <summary>Asks for the lines of row <paramref name="r"/> (n floats) of <paramref name="tensor"/>, when it is given and has that row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Row(float* tensor, int r, int n)
        {
            if (tensor == null || r >= Rows) return;
            float* row = tensor + (nint)r * n;
            for (int f = 0; f < n; f += 16) Sse.Prefetch0(row + f);
        }
    }

    /// <summary>
    /// <paramref name="sum"/> = <paramref name="addend"/> + <paramref name="branch"/> when <paramref name="addend"/> is given
    /// (else <paramref name="sum"/> is the input), then y = (sum − μ)/√(σ² + ε)·γ + β for <paramref name="rows"/> ≤ 16 rows
    /// of n; γ or β may be null; the rows' μ and 1/√(σ² + ε) go to <paramref name="mean"/> and <paramref name="invStd"/>.
    /// Asks for the rows of <paramref name="ahead"/> as it goes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Forward(float* addend, float* branch, float* sum, float* gamma, float* beta, float* y, float* mean, float* invStd,
        int rows, int n, float epsilon, float* scratch, Lookahead ahead = default)
    {
        var count = Vector512.Create((float)n);
        var block = GemmKernel512.ColumnMask(rows);
        float* sums = scratch, means = scratch + Rows * 16, invStds = means + 16;
        for (int c = 0; c < n; c += Columns)
            RowSums(addend, branch, sum, sums, rows, n, c, ahead);
        var meanOfRows = LaneSums512.OfEach(sums) / count;
        meanOfRows.Store(means);
        Avx512F.MaskStore(mean, block, meanOfRows);
        for (int c = 0; c < n; c += Columns)
            RowSquares(sum, means, sums, rows, n, c, ahead);
        var invStdOfRows = Vector512.Create(1f) / Vector512.Sqrt(LaneSums512.OfEach(sums) / count + Vector512.Create(epsilon));
        invStdOfRows.Store(invStds);
        Avx512F.MaskStore(invStd, block, invStdOfRows);
        for (int c = 0; c < n; c += Columns)
            Outputs(sum, gamma, beta, y, means, invStds, rows, n, c, ahead);
    }

    /// <summary>
    /// dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))/σ with dx̂ = dy·γ for <paramref name="rows"/> ≤ 16 rows (dx may be null; added to
    /// what it holds when <paramref name="addToDx"/>) from their saved μ and 1/σ; with <paramref name="sums"/> also dγ += dy·x̂
    /// and dβ += dy, row after row; asks for the rows of <paramref name="ahead"/> as it goes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Backward(float* x, float* gamma, float* dy, float* mean, float* invStd, float* dx, bool addToDx,
        bool sums, float* dGamma, float* dBeta, int rows, int n, float* scratch, Lookahead ahead = default)
    {
        float* scaledSums = scratch, productSums = scratch + Rows * 16, meanScaled = productSums + Rows * 16, meanProduct = meanScaled + 16;
        for (int c = 0; c < n; c += Columns)
            GradientSums(x, gamma, dy, mean, invStd, dx != null, sums, dGamma, dBeta, scaledSums, productSums, rows, n, c, ahead);
        if (dx == null) return;
        var count = Vector512.Create((float)n);
        (LaneSums512.OfEach(scaledSums) / count).Store(meanScaled);
        (-LaneSums512.OfEach(productSums) / count).Store(meanProduct);
        for (int c = 0; c < n; c += Columns)
            InputGradient(x, gamma, dy, mean, invStd, meanScaled, meanProduct, dx, addToDx, rows, n, c, ahead);
    }

    /// <summary>
    /// Columns [c, c + 64) of the tile's first forward sweep: the sum written (when there is an addend) and each row's lane
    /// partial sums carried on in <paramref name="sums"/> (row r at 16·r; rows past <paramref name="rows"/> are zero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowSums(float* addend, float* branch, float* sum, float* sums, int rows, int n, int c, in Lookahead ahead)
    {
        var zero = Vector512<float>.Zero;
        int width = Math.Min(Columns, n - c);
        var (m0, m1, m2, m3) = Masks(width);
        for (int r = 0; r < Rows; r++)
        {
            if (c == 0) ahead.Row(ahead.First, r, n);
            var total = c == 0 ? zero : Vector512.Load(sums + 16 * r);
            if (r < rows)
            {
                nint at = (nint)r * n + c;
                total += Value(addend, branch, sum, at, m0);
                if (width > 16) total += Value(addend, branch, sum, at + 16, m1);
                if (width > 32) total += Value(addend, branch, sum, at + 32, m2);
                if (width > 48) total += Value(addend, branch, sum, at + 48, m3);
            }
            total.Store(sums + 16 * r);
        }
    }

    /// <summary>One vector of the input (masked-off lanes 0): addend + branch, written to the sum, or the sum itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Value(float* addend, float* branch, float* sum, nint at, Vector512<float> mask)
    {
        var zero = Vector512<float>.Zero;
        if (addend == null) return Avx512F.MaskLoad(sum + at, mask, zero);
        var value = Avx512F.MaskLoad(addend + at, mask, zero) + Avx512F.MaskLoad(branch + at, mask, zero);
        Avx512F.MaskStore(sum + at, mask, value);
        return value;
    }

    /// <summary>Columns [c, c + 64) of the squared deviations' lane partial sums, carried on in <paramref name="sums"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowSquares(float* x, float* means, float* sums, int rows, int n, int c, in Lookahead ahead)
    {
        int width = Math.Min(Columns, n - c);
        var (m0, m1, m2, m3) = Masks(width);
        for (int r = 0; r < Rows; r++)
        {
            if (c == 0) ahead.Row(ahead.Second, r, n);
            var squares = c == 0 ? Vector512<float>.Zero : Vector512.Load(sums + 16 * r);
            if (r < rows)
            {
                var meanVector = Vector512.Create(means[r]);
                float* xr = x + (nint)r * n + c;
                squares = Square(xr, m0, meanVector, squares);
                if (width > 16) squares = Square(xr + 16, m1, meanVector, squares);
                if (width > 32) squares = Square(xr + 32, m2, meanVector, squares);
                if (width > 48) squares = Square(xr + 48, m3, meanVector, squares);
            }
            squares.Store(sums + 16 * r);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Square(float* x, Vector512<float> mask, Vector512<float> meanVector, Vector512<float> squares)
    {
        var centered = Avx512F.MaskLoad(x, mask, meanVector) - meanVector; // masked-off lanes: 0
        return Vector512.FusedMultiplyAdd(centered, centered, squares);
    }

    /// <summary>Columns [c, c + 64) of y = x̂·γ + β, with the columns' γ and β in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Outputs(float* x, float* gamma, float* beta, float* y, float* means, float* invStds, int rows, int n, int c, in Lookahead ahead)
    {
        int width = Math.Min(Columns, n - c);
        var (m0, m1, m2, m3) = Masks(width);
        var (g0, g1, g2, g3) = Weights(gamma, c, width, m0, m1, m2, m3, Vector512.Create(1f));
        var (b0, b1, b2, b3) = Weights(beta, c, width, m0, m1, m2, m3, Vector512<float>.Zero);
        bool scale = gamma != null, shift = beta != null;
        for (int r = 0; r < rows; r++)
        {
            if (c == 0) ahead.Row(ahead.Third, r, n);
            var meanVector = Vector512.Create(means[r]);
            var invStdVector = Vector512.Create(invStds[r]);
            nint at = (nint)r * n + c;
            Output(x + at, y + at, m0, meanVector, invStdVector, scale, g0, shift, b0);
            if (width > 16) Output(x + at + 16, y + at + 16, m1, meanVector, invStdVector, scale, g1, shift, b1);
            if (width > 32) Output(x + at + 32, y + at + 32, m2, meanVector, invStdVector, scale, g2, shift, b2);
            if (width > 48) Output(x + at + 48, y + at + 48, m3, meanVector, invStdVector, scale, g3, shift, b3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Output(float* x, float* y, Vector512<float> mask, Vector512<float> meanVector, Vector512<float> invStdVector,
        bool scale, Vector512<float> gamma, bool shift, Vector512<float> beta)
    {
        var normalized = (Avx512F.MaskLoad(x, mask, Vector512<float>.Zero) - meanVector) * invStdVector;
        if (scale) normalized *= gamma;
        if (shift) normalized += beta;
        Avx512F.MaskStore(y, mask, normalized);
    }

    /// <summary>
    /// Columns [c, c + 64) of the first backward sweep: dγ += dy·x̂ and dβ += dy (when <paramref name="sums"/>) summed down
    /// the rows in registers, and (when <paramref name="wantInput"/>) each row's lane partial sums of dx̂ and dx̂·x̂ carried
    /// on in <paramref name="scaledSums"/> and <paramref name="productSums"/> (rows past <paramref name="rows"/> are zero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientSums(float* x, float* gamma, float* dy, float* mean, float* invStd, bool wantInput, bool sums,
        float* dGamma, float* dBeta, float* scaledSums, float* productSums, int rows, int n, int c, in Lookahead ahead)
    {
        var zero = Vector512<float>.Zero;
        int width = Math.Min(Columns, n - c);
        var (m0, m1, m2, m3) = Masks(width);
        var (g0, g1, g2, g3) = Weights(gamma, c, width, m0, m1, m2, m3, Vector512.Create(1f));
        Vector512<float> dg0 = zero, dg1 = zero, dg2 = zero, dg3 = zero, db0 = zero, db1 = zero, db2 = zero, db3 = zero;
        if (sums)
        {
            (dg0, dg1, dg2, dg3) = Weights(dGamma, c, width, m0, m1, m2, m3, zero);
            (db0, db1, db2, db3) = Weights(dBeta, c, width, m0, m1, m2, m3, zero);
        }
        for (int r = 0; r < Rows; r++)
        {
            if (c == 0) ahead.Row(ahead.First, r, n);
            var scaledSum = c == 0 ? zero : Vector512.Load(scaledSums + 16 * r);
            var productSum = c == 0 ? zero : Vector512.Load(productSums + 16 * r);
            if (r < rows)
            {
                var meanVector = Vector512.Create(mean[r]);
                var invStdVector = Vector512.Create(invStd[r]);
                nint at = (nint)r * n + c;
                Sums(x + at, dy + at, m0, meanVector, invStdVector, g0, wantInput, sums, ref dg0, ref db0, ref scaledSum, ref productSum);
                if (width > 16) Sums(x + at + 16, dy + at + 16, m1, meanVector, invStdVector, g1, wantInput, sums, ref dg1, ref db1, ref scaledSum, ref productSum);
                if (width > 32) Sums(x + at + 32, dy + at + 32, m2, meanVector, invStdVector, g2, wantInput, sums, ref dg2, ref db2, ref scaledSum, ref productSum);
                if (width > 48) Sums(x + at + 48, dy + at + 48, m3, meanVector, invStdVector, g3, wantInput, sums, ref dg3, ref db3, ref scaledSum, ref productSum);
            }
            if (!wantInput) continue;
            scaledSum.Store(scaledSums + 16 * r);
            productSum.Store(productSums + 16 * r);
        }
        if (!sums) return;
        Store(dGamma, c, width, m0, m1, m2, m3, dg0, dg1, dg2, dg3);
        Store(dBeta, c, width, m0, m1, m2, m3, db0, db1, db2, db3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sums(float* x, float* dy, Vector512<float> mask, Vector512<float> meanVector, Vector512<float> invStdVector, Vector512<float> gamma,
        bool wantInput, bool sums, ref Vector512<float> dGamma, ref Vector512<float> dBeta, ref Vector512<float> scaledSum, ref Vector512<float> productSum)
    {
        var zero = Vector512<float>.Zero;
        var normalized = (Avx512F.MaskLoad(x, mask, zero) - meanVector) * invStdVector;
        var g = Avx512F.MaskLoad(dy, mask, zero);
        if (sums)
        {
            dGamma = Vector512.FusedMultiplyAdd(g, normalized, dGamma);
            dBeta += g;
        }
        if (!wantInput) return;
        var scaled = g * gamma; // masked-off lanes: 0
        scaledSum += scaled;
        productSum = Vector512.FusedMultiplyAdd(scaled, normalized & mask, productSum);
    }

    /// <summary>Columns [c, c + 64) of dx = (dx̂ + x̂·meanProduct − meanScaled)/σ, added to what dx holds when <paramref name="addToDx"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputGradient(float* x, float* gamma, float* dy, float* mean, float* invStd, float* meanScaled, float* meanProduct,
        float* dx, bool addToDx, int rows, int n, int c, in Lookahead ahead)
    {
        int width = Math.Min(Columns, n - c);
        var (m0, m1, m2, m3) = Masks(width);
        var (g0, g1, g2, g3) = Weights(gamma, c, width, m0, m1, m2, m3, Vector512.Create(1f));
        for (int r = 0; r < rows; r++)
        {
            if (c == 0) ahead.Row(ahead.Second, r, n);
            var meanVector = Vector512.Create(mean[r]);
            var invStdVector = Vector512.Create(invStd[r]);
            var meanScaledVector = Vector512.Create(meanScaled[r]);
            var meanProductVector = Vector512.Create(meanProduct[r]);
            nint at = (nint)r * n + c;
            Input(x + at, dy + at, dx + at, m0, g0, meanVector, invStdVector, meanScaledVector, meanProductVector, addToDx);
            if (width > 16) Input(x + at + 16, dy + at + 16, dx + at + 16, m1, g1, meanVector, invStdVector, meanScaledVector, meanProductVector, addToDx);
            if (width > 32) Input(x + at + 32, dy + at + 32, dx + at + 32, m2, g2, meanVector, invStdVector, meanScaledVector, meanProductVector, addToDx);
            if (width > 48) Input(x + at + 48, dy + at + 48, dx + at + 48, m3, g3, meanVector, invStdVector, meanScaledVector, meanProductVector, addToDx);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Input(float* x, float* dy, float* dx, Vector512<float> mask, Vector512<float> gamma, Vector512<float> meanVector,
        Vector512<float> invStdVector, Vector512<float> meanScaledVector, Vector512<float> meanProductVector, bool addToDx)
    {
        var zero = Vector512<float>.Zero;
        var normalized = (Avx512F.MaskLoad(x, mask, zero) - meanVector) * invStdVector;
        var scaled = Avx512F.MaskLoad(dy, mask, zero) * gamma;
        var d = (Vector512.FusedMultiplyAdd(normalized, meanProductVector, scaled) - meanScaledVector) * invStdVector;
        if (addToDx) d = Avx512F.MaskLoad(dx, mask, zero) + d;
        Avx512F.MaskStore(dx, mask, d);
    }

    /// <summary>The masks of a tile's four vectors for <paramref name="width"/> columns (a vector past the width: none set).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Masks(int width) =>
        (GemmKernel512.ColumnMask(width), GemmKernel512.ColumnMask(width - 16), GemmKernel512.ColumnMask(width - 32), GemmKernel512.ColumnMask(width - 48));

    /// <summary>
    /// Four vectors of <paramref name="values"/> from column <paramref name="c"/> (masked-off lanes and vectors past the width
    /// hold <paramref name="fill"/>); all <paramref name="fill"/> when <paramref name="values"/> is null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Weights(float* values, int c, int width,
        Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> fill)
    {
        if (values == null) return (fill, fill, fill, fill);
        values += c;
        return (Avx512F.MaskLoad(values, m0, fill),
            width > 16 ? Avx512F.MaskLoad(values + 16, m1, fill) : fill,
            width > 32 ? Avx512F.MaskLoad(values + 32, m2, fill) : fill,
            width > 48 ? Avx512F.MaskLoad(values + 48, m3, fill) : fill);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* values, int c, int width, Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3,
        Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3)
    {
        if (values == null) return;
        values += c;
        Avx512F.MaskStore(values, m0, v0);
        if (width > 16) Avx512F.MaskStore(values + 16, m1, v1);
        if (width > 32) Avx512F.MaskStore(values + 32, m2, v2);
        if (width > 48) Avx512F.MaskStore(values + 48, m3, v3);
    }
}
