using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

public unsafe class ThinColumnGradientsTests
{
    /// <summary>
    /// Both gradients of a one-column product in bands of A's columns, or either alone, give the bits of the two products on
    /// the calling thread, at 1 to 3 threads: the DCGAN logit's shape, tails of columns, k over several k blocks.
    /// </summary>
    [Theory]
    [InlineData(64, 6272)]
    [InlineData(71, 1600)]
    [InlineData(1030, 70)]
    [InlineData(9, 8000)]
    public void Bands_give_the_bits_of_the_whole_products(int m, int k)
    {
        var random = new Random(m + k);
        float[] a = Fill(random, m * k), b = Fill(random, k), dc = Fill(random, m);
        var (expectedDa, expectedDb) = (new float[m * k], new float[k]);
        ThreadCounts.At(1, () =>
        {
            fixed (float* pa = a, pb = b, pdc = dc, pda = expectedDa, pdb = expectedDb)
            {
                Gemm.Multiply(true, false, k, 1, m, pa, k, pdc, 1, pdb, 1);
                Gemm.Multiply(false, true, m, k, 1, pdc, 1, pb, 1, pda, k);
            }
        });
        bool saved = GemmThinColumn.Parallel;
        GemmThinColumn.Parallel = true;
        try
        {
            foreach (var (wantDa, wantDb) in new[] { (true, true), (true, false), (false, true) })
                ThreadCounts.SameBits($"{m}×{k}, dA {wantDa}, db {wantDb}", () =>
                {
                    Assert.True(Parallelism.Threads == 1 || ThinColumnGradients.Takes(m, k));
                    var (da, db) = (new float[m * k], new float[k]);
                    fixed (float* pa = a, pb = b, pdc = dc, pda = da, pdb = db)
                        ThinColumnGradients.Run(pa, pb, pdc, wantDa ? pda : null, wantDb ? pdb : null, m, k);
                    ThreadCounts.Identical("bands against the whole products", [wantDa ? expectedDa : new float[m * k], wantDb ? expectedDb : new float[k]], [da, db]);
                    return [da, db];
                });
        }
        finally
        {
            GemmThinColumn.Parallel = saved;
        }
    }

    private static float[] Fill(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
