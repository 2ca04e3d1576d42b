using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// Products whose B is much larger than C — a Dense layer's kernel at a small batch, x·W — cut along k instead of
/// across C: each thread sums whole k blocks, that is whole rows of B. The step that follows writes the kernel's
/// gradient cut by rows (xᵀ·dz has the kernel's shape and few columns) and updates it in contiguous ranges, so
/// each core keeps reading, differentiating and updating the same rows of the kernel. Cut across C, every core read
/// all of B and each update pulled the other core's rows back, a cache line at a time: on these virtual machines a
/// line between cores costs microseconds, and that traffic cost the seed MLP a third of its step.
/// <para>
/// The sums are the tiled driver's, bit for bit: it sums each k block from zero and adds each block's sum to C
/// in block order. Here block 0 goes into C as there, each later block into its own slab of scratch, and the
/// slabs are then added to C in block order.
/// </para>
/// </summary>
internal static unsafe class GemmKBlocks
{
    private const int MaxRows = 256;  // C at most 256 rows ...
    private const int KPerRow = 4;    // ... and at least 4 k for each row of C: B then outweighs C and A

    /// <summary>
    /// Whether such products are cut along k; false cuts them across C like the others, for A/B comparisons. Starts
    /// false when the environment variable <c>DEEPSHARP_GEMM_K_BLOCKS</c> is <c>off</c>.
    /// </summary>
    internal static bool Enabled { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_GEMM_K_BLOCKS"), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether <paramref name="p"/> is such a product, with k in at least two blocks of <paramref name="kcStep"/>, worth
    /// sharing out (<paramref name="parallelMinFlops"/>) over <paramref name="threads"/> threads.
    /// </summary>
    internal static bool Takes(in GemmProblem p, int kcStep, int threads, long parallelMinFlops) =>
        Enabled && threads > 1 && p.K > kcStep && p.M <= MaxRows && (long)KPerRow * p.M <= p.K
        && 2L * p.M * p.N * p.K >= parallelMinFlops;

    /// <summary>Runs <paramref name="p"/> one k block per item, then adds the blocks' sums to C in order and runs the epilogue.</summary>
    internal static void Run<TKernel>(in GemmProblem p, int kcStep) where TKernel : struct, IGemmMicroKernel
    {
        int blocks = (p.K + kcStep - 1) / kcStep;
        long slab = (long)p.M * p.N;
        var job = new Blocks<TKernel>
        {
            P = p,
            KcStep = kcStep,
            Scratch = GemmBuffers.Current.Get(GemmBuffers.KBlockSums, slab * (blocks - 1)),
        };
        WorkerPool.For(blocks, ref job);
        for (int b = 1; b < blocks; b++)
        {
            float* sums = job.Scratch + (b - 1) * slab;
            for (int i = 0; i < p.M; i++)
            {
                var row = new Span<float>(p.C + i * p.Ldc, p.N);
                TensorPrimitives.Add(row, new ReadOnlySpan<float>(sums + (long)i * p.N, p.N), row);
            }
        }
        if (p.Epilogue.IsSome) p.Epilogue.Run(0, p.M, 0, p.N);
    }

    private struct Blocks<TKernel> : IParallelBody where TKernel : struct, IGemmMicroKernel
    {
        public GemmProblem P;
        public int KcStep;
        public float* Scratch;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int block)
        {
            int pc = block * KcStep;
            var part = P;
            part.K = Math.Min(KcStep, P.K - pc);
            part.Epilogue = default;
            // Each block prefetches its share of the range.
            int blocks = (P.K + KcStep - 1) / KcStep;
            long first = P.PrefetchFloats * block / blocks, last = P.PrefetchFloats * (block + 1) / blocks;
            part.Prefetch = P.Prefetch == null ? null : P.Prefetch + first;
            part.PrefetchFloats = last - first;
            part.A = P.TransposeA ? P.A + pc * P.Lda : P.A + pc;
            part.B = P.TransposeB ? P.B + pc : P.B + pc * P.Ldb;
            // Prepacked B holds each k block's panels one after another (see GemmDriver.PackWhole).
            if (P.PackedB != null) part.PackedB = P.PackedB + pc * ((P.N + TKernel.Columns - 1) / TKernel.Columns * TKernel.Columns);
            if (block > 0)
            {
                part.C = Scratch + (block - 1) * (long)P.M * P.N;
                part.Ldc = P.N;
                part.Accumulate = false;
            }
            // Inside the job the driver runs this one block on this thread, as the tiled path would sum it.
            GemmDriver<TKernel>.Run(part);
        }
    }
}
