namespace DeepSharp.Kernels;

/// <summary>
/// The innermost step of the GEMM: a Rows×Columns tile of C, held in registers while it sums kc rank-1
/// updates, then added to or written over C. The driver is generic over the kernel, so the JIT compiles one
/// specialised copy of the blocking loops per SIMD level and inlines nothing through an interface call.
/// </summary>
internal unsafe interface IGemmMicroKernel
{
    /// <summary>Rows of the C tile (MR): how many A values are broadcast per k step.</summary>
    static abstract int Rows { get; }

    /// <summary>Columns of the C tile (NR): how many B values are loaded per k step.</summary>
    static abstract int Columns { get; }

    /// <summary>
    /// Tile product with A read k-major: element (r, p) of the A panel is <c>a[p·aStep + r]</c> (a packed
    /// panel, aStep = Rows, or a transposed A read in place, aStep = lda) and element (p, j) of the B panel
    /// is <c>b[p·bStep + j]</c>. Both panels hold full Rows×kc and kc×Columns blocks (zero padded at the
    /// edges); only the top-left <paramref name="rows"/>×<paramref name="columns"/> of the tile reach C.
    /// </summary>
    static abstract void Run(int kc, float* a, nint aStep, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add);

    /// <summary>Whether <see cref="RunRowMajorA"/> takes a tile of <paramref name="rows"/> rows (Rows always).</summary>
    static abstract bool ReadsRowMajor(int rows);

    /// <summary>
    /// Tile product with A read row-major in place: element (r, p) is <c>a[r·lda + p]</c> for all
    /// <paramref name="rows"/> rows (a count <see cref="ReadsRowMajor"/> accepts). Saves transposing A into a
    /// panel, which costs more than the strided reads when each A value meets only a few B panels.
    /// </summary>
    static abstract void RunRowMajorA(int kc, float* a, nint lda, float* b, nint bStep,
        float* c, nint ldc, int rows, int columns, bool add);
}
