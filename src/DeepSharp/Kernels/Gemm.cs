namespace DeepSharp.Kernels;

/// <summary>
/// General matrix multiply on row-major float matrices: C = op(A)·op(B) (+ C when accumulating), where
/// op(X) is X or Xᵀ. The transposed forms serve backward (A·Bᵀ, Aᵀ·B) without materialising a transpose.
/// The micro-kernel is picked once from <see cref="Simd.Level"/>; <see cref="GemmDriver{TKernel}"/> does the
/// blocking, packing and threading.
/// </summary>
internal static unsafe class Gemm
{
    /// <param name="transposeA">Read A as k×m (and use its transpose) instead of m×k.</param>
    /// <param name="transposeB">Read B as n×k (and use its transpose) instead of k×n.</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">The shared dimension.</param>
    /// <param name="a">A's first element.</param>
    /// <param name="lda">Distance between A's rows as stored.</param>
    /// <param name="b">B's first element.</param>
    /// <param name="ldb">Distance between B's rows as stored.</param>
    /// <param name="c">C's first element.</param>
    /// <param name="ldc">Distance between C's rows.</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it.</param>
    /// <param name="packedB">op(B) as <see cref="PackB(int, int, float*, int, float*)"/> (B untransposed) or
    /// <see cref="PackTransposedB(int, int, float*, int, float*)"/> (B transposed) cut it, or null: a product that runs many
    /// times with the same B (a recurrent kernel, every step) packs it once. <paramref name="b"/> stays valid: a path that
    /// reads B where it lies (a few rows, the product computed transposed) reads it there.</param>
    /// <param name="epilogue">Work on each finished rectangle of C (a bias and an activation), or none.</param>
    /// <param name="prefetch">Memory the caller reads next (likely out of cache: a layer's input saved by its forward), or
    /// null: brought into L2 while the product computes, a few cache lines after each micro-kernel call. A hint that
    /// changes no result; the paths for few rows or one column ignore it.</param>
    /// <param name="prefetchFloats">Floats of <paramref name="prefetch"/>'s range.</param>
    internal static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate = false, float* packedB = null, GemmEpilogue epilogue = default,
        float* prefetch = null, long prefetchFloats = 0) =>
        Multiply(Simd.Level, transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, packedB, epilogue, prefetch, prefetchFloats);

    /// <summary>The same product with the micro-kernel of <paramref name="level"/>, so tests reach every path.</summary>
    internal static void Multiply(SimdLevel level, bool transposeA, bool transposeB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate = false, float* packedB = null, GemmEpilogue epilogue = default,
        float* prefetch = null, long prefetchFloats = 0)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            // An empty sum: C is zero, or unchanged when accumulating.
            if (!accumulate)
                for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            if (epilogue.IsSome) epilogue.Run(0, m, 0, n);
            return;
        }
        var problem = new GemmProblem
        {
            TransposeA = transposeA, TransposeB = transposeB, Accumulate = accumulate,
            M = m, N = n, K = k, A = a, B = b, C = c, Lda = lda, Ldb = ldb, Ldc = ldc, PackedB = packedB,
            Epilogue = epilogue, Prefetch = prefetch, PrefetchFloats = prefetch == null ? 0 : prefetchFloats,
        };
        switch (Available(level))
        {
            case SimdLevel.Vector512: GemmDriver<GemmKernel512>.Run(problem); break;
            case SimdLevel.Vector256: GemmDriver<GemmKernelLanes<Lanes256>>.Run(problem); break;
            case SimdLevel.Vector128: GemmDriver<GemmKernelLanes<Lanes128>>.Run(problem); break;
            default: GemmDriver<GemmKernelScalar>.Run(problem); break;
        }
    }

    /// <summary>Floats that <see cref="PackB(int, int, float*, int, float*)"/> writes for a k×n B.</summary>
    internal static long PackedBSize(int k, int n) => PackedBSize(Simd.Level, k, n);

    /// <summary>The size for the micro-kernel of <paramref name="level"/>.</summary>
    internal static long PackedBSize(SimdLevel level, int k, int n) => Available(level) switch
    {
        SimdLevel.Vector512 => GemmDriver<GemmKernel512>.PackedSize(k, n),
        SimdLevel.Vector256 => GemmDriver<GemmKernelLanes<Lanes256>>.PackedSize(k, n),
        SimdLevel.Vector128 => GemmDriver<GemmKernelLanes<Lanes128>>.PackedSize(k, n),
        _ => GemmDriver<GemmKernelScalar>.PackedSize(k, n),
    };

    /// <summary>
    /// Cuts B (k×n, row-major, ldb apart) into the panels the products of this machine's micro-kernel read, for a
    /// <c>packedB</c> of <see cref="Multiply(bool, bool, int, int, int, float*, int, float*, int, float*, int, bool, float*, GemmEpilogue, float*, long)"/>
    /// (<see cref="PackedBSize(int, int)"/> floats). The product is the same bits with B packed or not.
    /// </summary>
    internal static void PackB(int k, int n, float* b, int ldb, float* destination) => PackB(Simd.Level, k, n, b, ldb, destination);

    /// <summary>The panels for the micro-kernel of <paramref name="level"/>.</summary>
    internal static void PackB(SimdLevel level, int k, int n, float* b, int ldb, float* destination)
    {
        if (k <= 0 || n <= 0) return;
        switch (Available(level))
        {
            case SimdLevel.Vector512: GemmDriver<GemmKernel512>.PackWhole(k, n, b, ldb, destination); break;
            case SimdLevel.Vector256: GemmDriver<GemmKernelLanes<Lanes256>>.PackWhole(k, n, b, ldb, destination); break;
            case SimdLevel.Vector128: GemmDriver<GemmKernelLanes<Lanes128>>.PackWhole(k, n, b, ldb, destination); break;
            default: GemmDriver<GemmKernelScalar>.PackWhole(k, n, b, ldb, destination); break;
        }
    }

    /// <summary>
    /// Cuts Bᵀ, for B stored n×k (row-major, ldb apart), into the panels of a k×n B: the <c>packedB</c> that lets a product
    /// A·Bᵀ run many times (a Dense layer's input gradient in groups of rows) transpose B once. The product with it
    /// (<c>transposeB</c> false) gives the bits of the one that reads B transposed (<see cref="PackedBSize(int, int)"/> floats).
    /// </summary>
    internal static void PackTransposedB(int k, int n, float* b, int ldb, float* destination) => PackTransposedB(Simd.Level, k, n, b, ldb, destination);

    /// <summary>The transposed panels for the micro-kernel of <paramref name="level"/>.</summary>
    internal static void PackTransposedB(SimdLevel level, int k, int n, float* b, int ldb, float* destination)
    {
        if (k <= 0 || n <= 0) return;
        switch (Available(level))
        {
            case SimdLevel.Vector512: GemmDriver<GemmKernel512>.PackWhole(k, n, b, ldb, destination, transposed: true); break;
            case SimdLevel.Vector256: GemmDriver<GemmKernelLanes<Lanes256>>.PackWhole(k, n, b, ldb, destination, transposed: true); break;
            case SimdLevel.Vector128: GemmDriver<GemmKernelLanes<Lanes128>>.PackWhole(k, n, b, ldb, destination, transposed: true); break;
            default: GemmDriver<GemmKernelScalar>.PackWhole(k, n, b, ldb, destination, transposed: true); break;
        }
    }

    /// <summary>A level the machine lacks (a test asking for Vector512 elsewhere) falls back to what it has.</summary>
    internal static SimdLevel Available(SimdLevel level) => (SimdLevel)Math.Min((int)level, (int)Simd.Detected);
}
