using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

/// <summary>The lines a product asks the cache for while it runs: counted whole, asked for in order, never a change to C.</summary>
public unsafe class GemmPrefetchTests
{
    [Fact]
    public void Counts_the_lines_each_row_touches()
    {
        var buffer = new float[4096];
        fixed (float* start = buffer)
        {
            float* aligned = (float*)(((long)start + 63) & ~63L);
            var prefetch = new GemmPrefetch();
            prefetch.Add(aligned, 1, 1024, 0);                 // 16 whole lines
            prefetch.Add(aligned + 1, 3, 64, 1024);            // each row straddles two lines
            prefetch.Add(aligned + 2000, 2, 4, 256);           // a few bytes: one line a row
            Assert.Equal(16 + 3 * 2 + 2, prefetch.Remaining);
            prefetch.Next(5);
            Assert.Equal(19, prefetch.Remaining);
            prefetch.Next(17);                                 // across the region boundaries
            Assert.Equal(2, prefetch.Remaining);
            prefetch.Next(100);
            Assert.Equal(0, prefetch.Remaining);
            prefetch.Next(1);                                  // nothing left: no further request, no failure
            Assert.Equal(0, prefetch.Remaining);
        }
    }

    [Theory]
    [InlineData(64, 256, 64, true)]   // a recurrent step's product at the seed LSTM's shapes
    [InlineData(64, 64, 256, true)]   // its backward product
    [InlineData(37, 50, 29, false)]   // ragged tiles
    public void A_product_that_prefetches_gives_the_same_bits(int m, int n, int k, bool accumulate)
    {
        var random = new Random(5);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] a = Values(m * k), b = Values(k * n), c0 = Values(m * n), far = Values(1 << 16);
        float[] plain = (float[])c0.Clone(), fetched = (float[])c0.Clone();
        // On one thread, as inside a recurrent worker's step: a product shared out asks for nothing.
        int saved = Parallelism.Threads;
        Parallelism.Threads = 1;
        try
        {
            fixed (float* pa = a, pb = b, pPlain = plain, pFetched = fetched, pFar = far)
            {
                Gemm.Multiply(false, false, m, n, k, pa, k, pb, n, pPlain, n, accumulate);
                var prefetch = new GemmPrefetch();
                prefetch.Add(pFar, 1, far.Length * sizeof(float), 0);
                long before = prefetch.Remaining;
                Gemm.Multiply(false, false, m, n, k, pa, k, pb, n, pFetched, n, accumulate, null, &prefetch);
                Assert.True(prefetch.Remaining < before, "the product asked for none of the lines");
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
        Assert.Equal(plain, fetched);
    }
}
