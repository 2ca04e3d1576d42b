namespace DeepSharp.Tests.Ops;

public class ArithmeticTests
{
    private static Tensor Input(int seed, params int[] shape) =>
        Tensor.RandomUniform(shape, 0.5f, 2f, new RandomGenerator(seed)).WithRequiresGrad();

    public static TheoryData<string> BinaryOps => new() { "add", "sub", "mul", "div", "pow" };

    private static Tensor Apply(string op, Tensor a, Tensor b) => op switch
    {
        "add" => a + b,
        "sub" => a - b,
        "mul" => a * b,
        "div" => a / b,
        "pow" => a.Pow(b),
        _ => throw new ArgumentException(op),
    };

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void Binary_ops_pass_the_gradient_check_with_broadcasting(string op)
    {
        var a = Input(1, 3, 1, 4);
        var b = Input(2, 2, 1);
        var result = GradientChecker.Check(x => Apply(op, x[0], x[1]), [a, b]);
        Assert.True(result.Passed, result.ToString());
    }

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void Binary_ops_pass_the_gradient_check_on_equal_shapes(string op)
    {
        var result = GradientChecker.Check(x => Apply(op, x[0], x[1]), [Input(3, 2, 5), Input(4, 2, 5)]);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Scalar_forms_pass_the_gradient_check()
    {
        var x = Input(5, 3, 2);
        Assert.True(GradientChecker.Check(t => t[0] * 3f + 1f, [x]).Passed);
        Assert.True(GradientChecker.Check(t => 2f - t[0], [x]).Passed);
        Assert.True(GradientChecker.Check(t => 2f / t[0], [x]).Passed);
        Assert.True(GradientChecker.Check(t => -t[0] / 4f, [x]).Passed);
        Assert.True(GradientChecker.Check(t => t[0].Pow(3f), [x]).Passed);
        Assert.True(GradientChecker.Check(t => t[0].Pow(2f), [x]).Passed);
    }

    [Fact]
    public void Broadcasting_follows_numpy()
    {
        var a = Tensor.FromArray([1f, 2f, 3f], 3, 1);
        var b = Tensor.FromArray([10f, 20f], 2);
        var c = a + b;
        Assert.Equal(new TensorShape(3, 2), c.Shape);
        Assert.Equal([11f, 21f, 12f, 22f, 13f, 23f], c.ToArray());
        Assert.Equal([9f, 19f, 8f, 18f, 7f, 17f], (b - a).ToArray());
    }

    [Fact]
    public void Mismatched_shapes_name_the_op_and_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Ones(2, 3) + Tensor.Ones(4));
        Assert.Contains("add", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4,)", e.Message);
    }

    [Fact]
    public void Large_elementwise_results_match_the_serial_result()
    {
        var a = Tensor.RandomUniform([600, 1000], generator: new RandomGenerator(1));
        var b = Tensor.RandomUniform([1000], generator: new RandomGenerator(2));
        var sum = (a + b).ToArray();
        var av = a.ToArray();
        var bv = b.ToArray();
        for (int i = 0; i < sum.Length; i += 997) Assert.Equal(av[i] + bv[i % 1000], sum[i]);
        var product = (a * a).ToArray();
        for (int i = 0; i < product.Length; i += 991) Assert.Equal(av[i] * av[i], product[i]);
    }
}
