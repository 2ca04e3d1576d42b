using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// A step's two weight-gradient products against panels of dZ cut once give the bits of two GEMM calls, at every vector
/// width: sides whose row counts end in every edge tile, dZ widths with and without an edge panel, more rows than one k
/// block, inputs whose rows lie a stride apart (the LSTM's input read in place), written and accumulated.
/// </summary>
public unsafe class StepWeightGradientsTests
{
    // (rows of dZ, its columns, the kernel side's rows and stride, the recurrent side's rows)
    private static readonly (int Rows, int N, int Features, int Lda, int Units)[] Shapes =
    [
        (64, 256, 28, 28 * 28, 64), (64, 256, 64, 64, 64), (1, 4, 1, 3, 1), (13, 40, 5, 17, 10), (33, 68, 33, 33, 17),
        (4, 80, 3, 9, 20), (450, 96, 9, 9, 24), (900, 36, 13, 40, 9),
    ];

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void Give_the_bits_of_two_gemm_calls(int width)
    {
        var level = width switch { 512 => SimdLevel.Vector512, 256 => SimdLevel.Vector256, 128 => SimdLevel.Vector128, _ => SimdLevel.Scalar };
        int seed = 5;
        foreach (var (rows, n, features, lda, units) in Shapes)
            foreach (bool accumulate in new[] { false, true })
                foreach (bool kernelSide in new[] { true, false })
                {
                    int caseSeed = seed++;
                    // One thread, as inside the recurrent loop's parts (at two a large product may be cut along k).
                    ThreadCounts.At(1, () => Check(level, rows, n, features, lda, units, accumulate, kernelSide, caseSeed));
                }
    }

    private static bool Check(SimdLevel level, int rows, int n, int features, int lda, int units, bool accumulate, bool kernelSide, int seed)
    {
        var random = new Random(seed);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] dz = Values(rows * n), x = Values(rows * lda), h = Values(rows * units);
        float[] kernelStart = Values(features * n), recurrentStart = Values(units * n);
        float[] kernelExpected = (float[])kernelStart.Clone(), recurrentExpected = (float[])recurrentStart.Clone();
        float[] kernelActual = (float[])kernelStart.Clone(), recurrentActual = (float[])recurrentStart.Clone();
        fixed (float* pz = dz, px = x, ph = h, ke = kernelExpected, re = recurrentExpected, ka = kernelActual, ra = recurrentActual)
        {
            if (kernelSide) Gemm.Multiply(level, true, false, features, n, rows, px, lda, pz, n, ke, n, accumulate);
            Gemm.Multiply(level, true, false, units, n, rows, ph, units, pz, n, re, n, accumulate);
            using (Simd.Force(level))
                StepWeightGradients.Add(rows, n, pz,
                    new StepWeightGradients.Side { A = px, Lda = lda, M = features, C = kernelSide ? ka : null },
                    new StepWeightGradients.Side { A = ph, Lda = units, M = units, C = ra }, accumulate);
        }
        string name = $"{level}, rows {rows}, n {n}, features {features}, units {units}, accumulate {accumulate}";
        AssertBits(name + ", kernel", kernelExpected, kernelActual);
        AssertBits(name + ", recurrent", recurrentExpected, recurrentActual);
        return true;
    }

    private static void AssertBits(string name, float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{name}: element {i} is {actual[i]:G9}, the GEMM's {expected[i]:G9}.");
    }
}
