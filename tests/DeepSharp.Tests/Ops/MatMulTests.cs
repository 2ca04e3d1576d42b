namespace DeepSharp.Tests.Ops;

public class MatMulTests
{
    private static Tensor Random(int seed, params int[] shape) =>
        Tensor.RandomUniform(shape, -1f, 1f, new RandomGenerator(seed)).WithRequiresGrad();

    private static float[] Naive(float[] a, float[] b, int m, int k, int n)
    {
        var c = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
                c[i * n + j] = (float)s;
            }
        return c;
    }

    [Fact]
    public void Matrix_product_matches_the_definition()
    {
        var a = Random(1, 5, 7);
        var b = Random(2, 7, 3);
        var expected = Naive(a.ToArray(), b.ToArray(), 5, 7, 3);
        var actual = a.MatMul(b).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 4);
    }

    [Theory]
    [InlineData(new[] { 4, 3 }, new[] { 3, 5 })]
    [InlineData(new[] { 2, 4, 3 }, new[] { 3, 5 })]
    [InlineData(new[] { 2, 4, 3 }, new[] { 2, 3, 5 })]
    [InlineData(new[] { 2, 1, 4, 3 }, new[] { 3, 3, 5 })]
    [InlineData(new[] { 4, 3 }, new[] { 2, 3, 5 })]
    [InlineData(new[] { 3 }, new[] { 3, 5 })]
    [InlineData(new[] { 4, 3 }, new[] { 3 })]
    [InlineData(new[] { 3 }, new[] { 3 })]
    [InlineData(new[] { 3 }, new[] { 2, 3, 4 })]
    public void Gradient_check_over_shapes_and_batches(int[] aShape, int[] bShape)
    {
        var result = GradientChecker.Check(x => x[0].MatMul(x[1]), [Random(3, aShape), Random(4, bShape)]);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Mismatched_inner_dimensions_name_the_op_and_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Ones(2, 3).MatMul(Tensor.Ones(4, 5)));
        Assert.Contains("MatMul", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 5)", e.Message);
    }

    [Fact]
    public void Output_shapes_follow_numpy()
    {
        Assert.Equal(new TensorShape(2, 3, 4, 5), Tensor.Ones(2, 1, 4, 6).MatMul(Tensor.Ones(3, 6, 5)).Shape);
        Assert.Equal(new TensorShape(4), Tensor.Ones(4, 6).MatMul(Tensor.Ones(6)).Shape);
        Assert.Equal(new TensorShape(), Tensor.Ones(6).MatMul(Tensor.Ones(6)).Shape);
    }
}
