namespace DeepSharp.Tests.Ops;

public class UnaryMathTests
{
    // 37 elements: two full 16-wide vectors and a tail, so both the vector body and the padded tail are checked.
    private static readonly int[] Shape = [37];

    public static TheoryData<string> Differentiable => new() { "exp", "log", "sqrt", "abs", "square", "clip" };

    private static Tensor Apply(string op, Tensor x) => op switch
    {
        "exp" => x.Exp(),
        "log" => x.Log(),
        "sqrt" => x.Sqrt(),
        "abs" => x.Abs(),
        "square" => x.Square(),
        "clip" => x.Clip(-0.5f, 0.8f),
        _ => throw new ArgumentException(op),
    };

    private static double Reference(string op, double x) => op switch
    {
        "exp" => Math.Exp(x),
        "log" => Math.Log(x),
        "sqrt" => Math.Sqrt(x),
        "abs" => Math.Abs(x),
        "square" => x * x,
        "clip" => Math.Clamp(x, -0.5, 0.8),
        _ => throw new ArgumentException(op),
    };

    /// <summary>Inputs in each op's domain, away from its kinks (abs at 0, clip at its bounds).</summary>
    private static Tensor Input(string op, int seed) => op switch
    {
        "log" or "sqrt" => OpAssert.Random(seed, 0.2f, 3f, Shape),
        "abs" => OpAssert.AwayFrom(seed, -2f, 2f, 0.05f, [0f], Shape),
        "clip" => OpAssert.AwayFrom(seed, -1.5f, 1.5f, 0.05f, [-0.5f, 0.8f], Shape),
        _ => OpAssert.Random(seed, -2f, 2f, Shape),
    };

    [Theory]
    [MemberData(nameof(Differentiable))]
    public void Passes_the_gradient_check(string op) => OpAssert.GradientChecks(x => Apply(op, x[0]), Input(op, 1));

    [Theory]
    [MemberData(nameof(Differentiable))]
    public void Forward_matches_the_double_precision_formula(string op)
    {
        var x = Input(op, 2);
        var expected = x.ToArray().Select(v => (float)Reference(op, v)).ToArray();
        OpAssert.Close(expected, Apply(op, x).ToArray());
    }

    [Theory]
    [MemberData(nameof(Differentiable))]
    public void Works_on_non_contiguous_views(string op)
    {
        var x = Tensor.FromArray(Input(op, 3).ToArray()[..36], 6, 6).WithRequiresGrad();
        var expected = Apply(op, x.Transpose().Contiguous()).ToArray();
        Assert.Equal(expected, Apply(op, x.Transpose()).ToArray());
        OpAssert.GradientChecks(t => Apply(op, t[0].Transpose()), x);
    }

    [Fact]
    public void Gradients_at_the_kinks_follow_pytorch()
    {
        var x = Tensor.FromArray([0f, -0.5f, 0.8f, 2f]).WithRequiresGrad();
        x.Abs().Backward(Tensor.Ones(4));
        Assert.Equal([0f, -1f, 1f, 1f], x.Grad!.ToArray());
        x.ZeroGrad();
        x.Clip(-0.5f, 0.8f).Backward(Tensor.Ones(4));
        Assert.Equal([1f, 1f, 1f, 0f], x.Grad!.ToArray()); // bounds included, as torch.clamp
    }

    [Fact]
    public void Sign_gives_minus_one_zero_one_and_keeps_nan_without_a_graph()
    {
        var x = Tensor.FromArray([-2f, 0f, 3f, float.NaN, -0.001f]).WithRequiresGrad();
        var s = x.Sign();
        var values = s.ToArray();
        Assert.Equal([-1f, 0f, 1f], values[..3]);
        Assert.True(float.IsNaN(values[3]));
        Assert.Equal(-1f, values[4]);
        Assert.False(s.RequiresGrad);
    }

    [Fact]
    public void Log_and_sqrt_follow_ieee_outside_their_domain()
    {
        var log = Tensor.FromArray([0f, -1f]).Log().ToArray();
        Assert.Equal(float.NegativeInfinity, log[0]);
        Assert.True(float.IsNaN(log[1]));
        Assert.True(float.IsNaN(Tensor.FromArray([-1f]).Sqrt().Item()));
    }

    [Fact]
    public void Clip_with_min_above_max_names_the_op_and_both_bounds()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Ones(3).Clip(2f, 1f));
        Assert.Contains("Clip", e.Message);
        Assert.Contains("min=2", e.Message);
        Assert.Contains("max=1", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Ones(3).Clip(float.NaN, 1f));
    }

    [Fact]
    public void Large_inputs_match_the_serial_result()
    {
        // Above the parallel threshold: every chunk must compute exactly what one pass would.
        var x = Tensor.RandomUniform([300_000], -3f, 3f, new RandomGenerator(5));
        var y = x.Exp().ToArray();
        var xs = x.ToArray();
        var small = Tensor.FromArray(xs[..4096]).Exp().ToArray();
        for (int i = 0; i < small.Length; i++) Assert.Equal(small[i], y[i]);
        for (int i = 0; i < xs.Length; i += 7919) Assert.Equal(Math.Exp(xs[i]), y[i], 1e-5 * Math.Exp(xs[i]));
    }
}
