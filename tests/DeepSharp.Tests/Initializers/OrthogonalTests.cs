namespace DeepSharp.Tests.Initializers;

/// <summary>
/// Orthogonal and Identity: the weight, viewed as a matrix [product of all but the last dimension, last],
/// has orthonormal columns when tall and orthonormal rows when wide, times the gain. The products are summed
/// in double from float32 entries, each rounded by at most 6e-8 relative: 2e-5·gain² is far above that
/// rounding and far below any real departure from orthogonality.
/// </summary>
public class OrthogonalTests
{
    private static float[] Draw(Initializer initializer, TensorShape shape, long seed = 11)
    {
        var values = new float[shape.Size];
        initializer.Fill(values, shape, new RandomGenerator(seed));
        return values;
    }

    /// <summary>Asserts M·Mᵀ (rows) or Mᵀ·M (columns) of the [rows, columns] matrix equals gain²·I.</summary>
    private static void AssertOrthonormal(float[] m, int rows, int columns, double gain, bool alongRows)
    {
        int count = alongRows ? rows : columns, length = alongRows ? columns : rows;
        double tolerance = 2e-5 * gain * gain;
        for (int a = 0; a < count; a++)
            for (int b = 0; b < count; b++)
            {
                double dot = 0;
                for (int k = 0; k < length; k++)
                    dot += alongRows
                        ? (double)m[a * columns + k] * m[b * columns + k]
                        : (double)m[k * columns + a] * m[k * columns + b];
                double expected = a == b ? gain * gain : 0;
                Assert.True(Math.Abs(dot - expected) <= tolerance,
                    $"{(alongRows ? "rows" : "columns")} {a}·{b} = {dot:G9}, expected {expected} (±{tolerance:G2})");
            }
    }

    [Theory]
    [InlineData(new[] { 40, 16 }, 1f)]      // tall: columns orthonormal
    [InlineData(new[] { 16, 40 }, 1f)]      // wide: rows orthonormal
    [InlineData(new[] { 24, 24 }, 1.5f)]    // square: both
    [InlineData(new[] { 3, 3, 4, 16 }, 1f)] // conv kernel: a [36, 16] matrix
    [InlineData(new[] { 2, 2, 2, 16 }, 0.5f)] // conv kernel: a [8, 16] matrix, wide
    public void Orthogonal_is_orthonormal_times_gain(int[] dims, float gain)
    {
        TensorShape shape = dims;
        int columns = shape[-1], rows = shape.Size / columns;
        var m = Draw(new Orthogonal(gain), shape);
        if (rows >= columns) AssertOrthonormal(m, rows, columns, gain, alongRows: false);
        if (rows <= columns) AssertOrthonormal(m, rows, columns, gain, alongRows: true);
    }

    [Fact]
    public void Orthogonal_is_random_and_seeded()
    {
        var a = Draw(new Orthogonal(), [8, 8], seed: 1);
        var b = Draw(new Orthogonal(), [8, 8], seed: 2);
        Assert.NotEqual(a, b);
        Assert.Equal(a, Draw(new Orthogonal(), [8, 8], seed: 1));
        // Its own seed wins over the generator passed in.
        Assert.Equal(Draw(new Orthogonal(seed: 5), [8, 8], seed: 1), Draw(new Orthogonal(seed: 5), [8, 8], seed: 2));
    }

    [Fact]
    public void Orthogonal_refuses_a_vector_naming_the_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => Draw(new Orthogonal(), [16]));
        Assert.Contains("Orthogonal", e.Message);
        Assert.Contains("(16,)", e.Message);
    }

    [Fact]
    public void Identity_is_the_eye_times_gain_also_when_not_square()
    {
        var wide = Draw(new Identity(2f), [2, 3]);
        Assert.Equal([2f, 0f, 0f, 0f, 2f, 0f], wide);
        var tall = Draw(new Identity(), [3, 2]);
        Assert.Equal([1f, 0f, 0f, 1f, 0f, 0f], tall);
        var e = Assert.Throws<ArgumentException>(() => Draw(new Identity(), [3, 3, 2, 2]));
        Assert.Contains("Identity", e.Message);
        Assert.Contains("(3, 3, 2, 2)", e.Message);
    }
}
