using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>The axis reductions on every split they take: the same bits at any thread count, at each vector width.</summary>
public unsafe class ReductionsTests
{
    private static readonly SimdLevel[] Levels = [SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar];

    [Theory]
    [InlineData(new[] { 200_003 }, new[] { 1 })]          // one long row: pieces shared by the workers
    [InlineData(new[] { 3, 40_001 }, new[] { 3, 1 })]     // a few long rows
    [InlineData(new[] { 300, 301 }, new[] { 1, 301 })]    // down the columns: ranges of columns
    [InlineData(new[] { 5, 1000, 20 }, new[] { 5, 1, 20 })] // the middle axis of blocks
    [InlineData(new[] { 17, 4099 }, new[] { 1 })]         // two axes that merge into one long row
    public void Reductions_have_the_same_bits_at_any_thread_count(int[] sourceShape, int[] targetShape)
    {
        int size = sourceShape.Aggregate(1, (a, b) => a * b), targetSize = targetShape.Aggregate(1, (a, b) => a * b);
        var random = new Random(size);
        var x = Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() * 2 - 0.9)).ToArray();
        var expectedSum = ReferenceSums(x, sourceShape, targetShape);
        foreach (var level in Levels)
            foreach (var kind in new[] { ReduceKind.Sum, ReduceKind.Max, ReduceKind.Min })
                ThreadCounts.SameBits($"{kind} at {level}", () =>
                {
                    var result = new float[targetSize];
                    using (Simd.Force(level))
                        fixed (float* px = x, pr = result)
                            Reductions.Reduce(kind, px, sourceShape, pr, targetShape);
                    if (kind == ReduceKind.Sum)
                        for (int i = 0; i < targetSize; i++)
                            Assert.Equal(expectedSum[i], result[i], Math.Max(1e-3, Math.Abs(expectedSum[i]) * 1e-5));
                    return [result];
                });
    }

    /// <summary>Sums in double over the dimensions of <paramref name="sourceShape"/> that <paramref name="targetShape"/> (right-aligned) sets to 1.</summary>
    private static double[] ReferenceSums(float[] x, int[] sourceShape, int[] targetShape)
    {
        int pad = sourceShape.Length - targetShape.Length;
        var sums = new double[targetShape.Aggregate(1, (a, b) => a * b)];
        var index = new int[sourceShape.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int t = 0;
            for (int d = pad; d < sourceShape.Length; d++) t = t * targetShape[d - pad] + (targetShape[d - pad] == 1 ? 0 : index[d]);
            sums[t] += x[i];
            for (int d = sourceShape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < sourceShape[d]) break;
                index[d] = 0;
            }
        }
        return sums;
    }
}
