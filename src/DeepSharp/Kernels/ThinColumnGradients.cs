namespace DeepSharp.Kernels;

/// <summary>
/// Both gradients of a product with one column, c = A·b for A (m×k) and b (k): dA = dc·bᵀ (m×k) and db = Aᵀ·dc (k), as one
/// parallel job over bands of A's columns. A Dense layer of one unit (a discriminator's logit) has them as its input and kernel
/// gradients: each reads or writes all of A, little arithmetic for the memory, below the size from which the GEMM shares a
/// product between threads, so the two products ran one after the other on the calling thread. A band takes both gradients
/// of its columns of A.
/// <para>
/// Each band calls <see cref="Gemm.Multiply(bool, bool, int, int, int, float*, int, float*, int, float*, int, bool, float*, GemmEpilogue, float*, long)"/>
/// on its columns: every element of db is the same dot product (<see cref="GemmThinColumn"/>), every element of dA the same
/// single product, so the results are the bits of the two whole products, at any thread count.
/// </para>
/// </summary>
internal unsafe struct ThinColumnGradients : IParallelBody
{
    private const long ParallelMinFloats = 1 << 16; // of A, as GemmThinColumn
    private const long BandMinFloats = 1 << 15;
    private const int MaxBands = 8;
    private const int Group = 64;                   // bands start on multiples of GemmThinColumn's 64-element vectors

    private float* _a, _b, _dc, _da, _db;
    private int _m, _k, _bands;

    /// <summary>Whether <see cref="Run"/> shares both gradients of an m×k A out between threads (else the caller runs the two products).</summary>
    internal static bool Takes(int m, int k) =>
        GemmThinColumn.Parallel && (long)m * k >= ParallelMinFloats && Parallelism.Threads > 1 && !WorkerPool.InsideJob;

    /// <summary>
    /// dA = dc·bᵀ into <paramref name="da"/> (m×k, row-major) and db = Aᵀ·dc into <paramref name="db"/> (k), overwriting both;
    /// A (m×k) and dc (m) row-major, b (k). Either gradient may be null (not wanted; then its operand A or b may be null too).
    /// </summary>
    internal static void Run(float* a, float* b, float* dc, float* da, float* db, int m, int k)
    {
        int groups = (k + Group - 1) / Group;
        var body = new ThinColumnGradients
        {
            _a = a, _b = b, _dc = dc, _da = da, _db = db, _m = m, _k = k,
            _bands = (int)Math.Clamp((long)m * k / BandMinFloats, 1, Math.Min(MaxBands, groups)),
        };
        WorkerPool.For(body._bands, ref body);
    }

    public readonly void Execute(int item)
    {
        int groups = (_k + Group - 1) / Group;
        int j0 = (int)((long)groups * item / _bands) * Group;
        int j1 = Math.Min(_k, (int)((long)groups * (item + 1) / _bands) * Group);
        if (j0 >= j1) return;
        if (_db != null) Gemm.Multiply(true, false, j1 - j0, 1, _m, _a + j0, _k, _dc, 1, _db + j0, 1);
        if (_da != null) Gemm.Multiply(false, true, _m, j1 - j0, 1, _dc, 1, _b + j0, 1, _da + j0, _k);
    }
}
