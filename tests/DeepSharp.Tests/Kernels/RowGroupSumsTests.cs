using System.Numerics.Tensors;
using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

public unsafe class RowGroupSumsTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void Sums_are_the_bits_of_adding_the_rows_one_at_a_time(int level)
    {
        // Columns below, at and past the vector widths; first rows on and off a group's start; one row to many groups.
        var random = new Random(7);
        foreach (int columns in new[] { 1, 7, 16, 33, 256 })
            foreach (int group in new[] { 1, 4, 5 })
                foreach (var (first, count) in new[] { (0, 1), (0, 4), (3, 1), (1, 9), (4, 8), (6, 57), (0, 100) })
                {
                    int groups = (first + count + group - 1) / group, stride = columns + 3;
                    var rows = new float[count * columns];
                    for (int i = 0; i < rows.Length; i++) rows[i] = (float)(random.NextDouble() * 2 - 1) * (i % 5 == 0 ? 1e4f : 1f);
                    var start = new float[groups * stride];
                    for (int i = 0; i < start.Length; i++) start[i] = (float)random.NextDouble();
                    var expected = (float[])start.Clone();
                    for (int r = 0; r < count; r++)
                    {
                        var total = expected.AsSpan((first + r) / group * stride, columns);
                        TensorPrimitives.Add(total, rows.AsSpan(r * columns, columns), total);
                    }
                    var actual = (float[])start.Clone();
                    using (Simd.Force((SimdLevel)level))
                        fixed (float* pr = rows, ps = actual) RowGroupSums.Add(pr, first, count, columns, ps, stride, group);
                    for (int i = 0; i < actual.Length; i++)
                        if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                            Assert.Fail($"columns {columns}, group {group}, rows {first}..{first + count - 1}: sum {i} is {actual[i]:R}, row by row {expected[i]:R}.");
                }
    }
}
