namespace DeepSharp.Tests.Ops;

public class ActivationsTests
{
    private static readonly int[] Shape = [37]; // two 16-wide vectors and a padded tail

    private static readonly string[] Names =
    [
        "sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu_0.01", "elu", "elu_0.5", "selu", "gelu", "gelu_tanh",
        "softplus", "softsign", "swish", "hard_sigmoid", "relu6",
    ];

    public static TheoryData<string> Elementwise => new(Names);

    private static Tensor Apply(string op, Tensor x) => op switch
    {
        "sigmoid" => x.Sigmoid(),
        "tanh" => x.Tanh(),
        "relu" => x.Relu(),
        "leaky_relu" => x.LeakyRelu(),
        "leaky_relu_0.01" => x.LeakyRelu(0.01f),
        "elu" => x.Elu(),
        "elu_0.5" => x.Elu(0.5f),
        "selu" => x.Selu(),
        "gelu" => x.Gelu(),
        "gelu_tanh" => x.Gelu(approximate: true),
        "softplus" => x.Softplus(),
        "softsign" => x.Softsign(),
        "swish" => x.Swish(),
        "hard_sigmoid" => x.HardSigmoid(),
        "relu6" => x.Relu6(),
        _ => throw new ArgumentException(op),
    };

    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;

    /// <summary>The textbook definitions in double precision, independent of the kernels.</summary>
    private static double Reference(string op, double x) => op switch
    {
        "sigmoid" => 1 / (1 + Math.Exp(-x)),
        "tanh" => Math.Tanh(x),
        "relu" => Math.Max(x, 0),
        "leaky_relu" => x > 0 ? x : 0.2 * x,
        "leaky_relu_0.01" => x > 0 ? x : 0.01 * x,
        "elu" => x > 0 ? x : Math.Exp(x) - 1,
        "elu_0.5" => x > 0 ? x : 0.5 * (Math.Exp(x) - 1),
        "selu" => SeluScale * (x > 0 ? x : SeluAlpha * (Math.Exp(x) - 1)),
        "gelu" => 0.5 * x * (1 + Erf(x / Math.Sqrt(2))),
        "gelu_tanh" => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        "softplus" => Math.Log(1 + Math.Exp(x)),
        "softsign" => x / (1 + Math.Abs(x)),
        "swish" => x / (1 + Math.Exp(-x)),
        "hard_sigmoid" => Math.Clamp(x + 3, 0, 6) / 6,
        "relu6" => Math.Clamp(x, 0, 6),
        _ => throw new ArgumentException(op),
    };

    /// <summary>erf by its Taylor series, exact to double precision for |z| &lt; 3.5.</summary>
    private static double Erf(double z)
    {
        double sum = 0, term = z;
        for (int n = 0; n < 80; n++)
        {
            sum += term / (2 * n + 1);
            term *= -z * z / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    /// <summary>Inputs over [-4.5, 4.5) kept 0.05 away from every kink (0, ±3, 6).</summary>
    private static Tensor Input(int seed) => OpAssert.AwayFrom(seed, -4.5f, 4.5f, 0.05f, [0f, -3f, 3f, 6f], Shape);

    [Theory]
    [MemberData(nameof(Elementwise))]
    public void Passes_the_gradient_check(string op) => OpAssert.GradientChecks(x => Apply(op, x[0]), Input(1));

    [Theory]
    [MemberData(nameof(Elementwise))]
    public void Forward_matches_the_textbook_formula(string op)
    {
        var x = Input(2);
        var expected = x.ToArray().Select(v => (float)Reference(op, v)).ToArray();
        // 1e-5 relative: a few float32 ulps of the exp/erf kernels; 1e-6 absolute covers erf's 1.5e-7 approximation.
        OpAssert.Close(expected, Apply(op, x).ToArray());
    }

    [Theory]
    [MemberData(nameof(Elementwise))]
    public void Small_inputs_keep_their_relative_accuracy(string op)
    {
        // Near 0, exp(x) - 1 and log(1 + e) lose digits if computed naively; expm1/log1p forms must not.
        var x = Tensor.FromArray([1e-4f, -1e-4f, 3e-3f, -3e-3f, 1e-6f, -1e-6f]);
        var expected = x.ToArray().Select(v => (float)Reference(op, v)).ToArray();
        OpAssert.Close(expected, Apply(op, x).ToArray(), relative: 2e-4, absolute: 1e-9);
    }

    [Theory]
    [MemberData(nameof(Elementwise))]
    public void Large_inputs_saturate_without_overflow(string op)
    {
        var x = Tensor.FromArray([-200f, -60f, 60f, 200f]).WithRequiresGrad();
        var y = Apply(op, x);
        var expected = x.ToArray().Select(v => (float)Reference(op, v)).ToArray();
        OpAssert.Close(expected, y.ToArray());
        y.Backward(Tensor.Ones(4));
        Assert.All(x.Grad!.ToArray(), g => Assert.True(float.IsFinite(g), $"{op} gradient {g}"));
    }

    [Fact]
    public void Silu_is_swish()
    {
        var x = Input(3);
        Assert.Equal(x.Swish().ToArray(), x.Silu().ToArray());
    }

    [Fact]
    public void Gradients_at_the_kinks_follow_pytorch()
    {
        var x = Tensor.FromArray([0f, -3f, 3f, 6f]).WithRequiresGrad();
        x.Relu().Backward(Tensor.Ones(4));
        Assert.Equal([0f, 0f, 1f, 1f], x.Grad!.ToArray());
        x.ZeroGrad();
        x.Relu6().Backward(Tensor.Ones(4));
        Assert.Equal([0f, 0f, 1f, 0f], x.Grad!.ToArray());
        x.ZeroGrad();
        x.HardSigmoid().Backward(Tensor.Ones(4));
        Assert.Equal([1f / 6f, 0f, 0f, 0f], x.Grad!.ToArray());
        x.ZeroGrad();
        x.LeakyRelu(0.3f).Backward(Tensor.Ones(4));
        Assert.Equal([0.3f, 0.3f, 1f, 1f], x.Grad!.ToArray());
    }

    [Fact]
    public void Nan_inputs_stay_nan()
    {
        foreach (var op in Names)
        {
            var y = Apply(op, Tensor.FromArray([float.NaN])).Item();
            Assert.True(float.IsNaN(y), $"{op}(NaN) = {y}");
        }
    }

    [Fact]
    public void Non_finite_slopes_are_rejected_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Ones(2).LeakyRelu(float.NaN));
        Assert.Contains("LeakyRelu", e.Message);
        Assert.Contains("alpha", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Ones(2).Elu(float.PositiveInfinity));
    }

    // ---- softmax and log-softmax ------------------------------------------------------------------------

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void Softmax_and_log_softmax_pass_the_gradient_check(int axis)
    {
        var x = OpAssert.Random(4, -2f, 2f, 3, 4, 5);
        OpAssert.GradientChecks(t => t[0].Softmax(axis), x);
        OpAssert.GradientChecks(t => t[0].LogSoftmax(axis), x);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void Softmax_matches_the_definition_along_any_axis(int axis)
    {
        var x = OpAssert.Random(5, -3f, 3f, 3, 4, 5);
        var expected = ReferenceSoftmax(x.ToArray(), [3, 4, 5], axis < 0 ? axis + 3 : axis, log: false);
        OpAssert.Close(expected, x.Softmax(axis).ToArray());
        var expectedLog = ReferenceSoftmax(x.ToArray(), [3, 4, 5], axis < 0 ? axis + 3 : axis, log: true);
        OpAssert.Close(expectedLog, x.LogSoftmax(axis).ToArray());
    }

    private static float[] ReferenceSoftmax(float[] x, int[] shape, int axis, bool log)
    {
        int outer = 1, inner = 1, n = shape[axis];
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        var y = new float[x.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double sum = 0;
                for (int j = 0; j < n; j++) sum += Math.Exp(x[(o * n + j) * inner + i]);
                for (int j = 0; j < n; j++)
                {
                    int at = (o * n + j) * inner + i;
                    y[at] = (float)(log ? x[at] - Math.Log(sum) : Math.Exp(x[at]) / sum);
                }
            }
        return y;
    }

    [Fact]
    public void Softmax_is_stable_for_large_logits()
    {
        var x = Tensor.FromArray([1000f, 1001f, 1002f, -1000f, 0f, 1000f], 2, 3);
        var y = x.Softmax().ToArray();
        Assert.All(y, v => Assert.True(float.IsFinite(v)));
        OpAssert.Close([0.09003057f, 0.24472847f, 0.66524096f, 0f, 0f, 1f], y);
        var logY = x.LogSoftmax().ToArray();
        OpAssert.Close([-2.40760596f, -1.40760596f, -0.40760596f, -2000f, -1000f, 0f], logY);
    }

    [Fact]
    public void Softmax_over_long_rows_and_columns_uses_every_path()
    {
        // [64, 2000] along the last axis runs rows in parallel; along axis 0 it runs columns.
        var x = Tensor.RandomUniform([64, 2000], -5f, 5f, new RandomGenerator(6));
        var rows = x.Softmax(-1).Sum(-1).ToArray();
        Assert.All(rows, s => Assert.Equal(1f, s, 1e-4f));
        var columns = x.Softmax(0).Sum(0).ToArray();
        Assert.All(columns, s => Assert.Equal(1f, s, 1e-4f));
        var expected = ReferenceSoftmax(x.ToArray(), [64, 2000], 0, log: true);
        OpAssert.Close(expected, x.LogSoftmax(0).ToArray(), relative: 1e-5, absolute: 1e-5);
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(2, 9)]
    [InlineData(5, 1)]
    [InlineData(10, 128)]
    [InlineData(15, 33)]
    [InlineData(10, 4000)] // 40 000 floats: rows split over threads
    public void Softmax_of_rows_shorter_than_a_vector_matches_the_definition(int classes, int rows)
    {
        // Short rows go one row per vector, reading past a row's end; the last rows go through a padded copy.
        var x = OpAssert.Random(classes + rows, -4f, 4f, rows, classes);
        OpAssert.Close(ReferenceSoftmax(x.ToArray(), [rows, classes], 1, log: false), x.Softmax().ToArray());
        OpAssert.Close(ReferenceSoftmax(x.ToArray(), [rows, classes], 1, log: true), x.LogSoftmax().ToArray(), relative: 1e-5, absolute: 1e-5);
    }

    [Fact]
    public void Short_softmax_rows_keep_infinite_and_nan_rows_to_themselves()
    {
        float inf = float.PositiveInfinity;
        var x = Tensor.FromArray([
            -inf, -inf, -inf,   // all -∞: every exponential is 0 and the sum 0
            1f, float.NaN, 2f,  // a NaN spreads over its own row only
            0f, 1f, 2f,
            -inf, 0f, 0f], 4, 3);
        var y = x.Softmax().ToArray();
        Assert.All(y[0..3], v => Assert.True(float.IsNaN(v)));
        Assert.All(y[3..6], v => Assert.True(float.IsNaN(v)));
        OpAssert.Close([0.09003057f, 0.24472847f, 0.66524096f, 0f, 0.5f, 0.5f], y[6..]);
    }

    /// <summary>x of <paramref name="shape"/> and a bias over its last axis, with every x + b at least 0.05 from relu's kink.</summary>
    private static (Tensor X, Tensor Bias) BiasReluInputs(int seed, params int[] shape)
    {
        int n = shape[^1];
        var bias = Tensor.RandomUniform([n], -1f, 1f, new RandomGenerator(seed)).ToArray();
        var x = Tensor.RandomUniform(shape, -3f, 3f, new RandomGenerator(seed + 1)).ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            float sum = x[i] + bias[i % n];
            if (Math.Abs(sum) < 0.05f) x[i] += sum >= 0 ? 0.05f : -0.05f;
        }
        return (Tensor.FromArray(x, shape).WithRequiresGrad(), Tensor.FromArray(bias).WithRequiresGrad());
    }

    [Theory]
    [InlineData(5, 128)]
    [InlineData(3, 37)]   // two vectors and a scalar tail
    [InlineData(4, 7)]
    public void Bias_and_relu_fused_equal_the_two_ops_forward_and_backward(int rows, int n)
    {
        var (x, bias) = BiasReluInputs(rows * n, rows, n);
        var g = Tensor.RandomNormal([rows, n], generator: new RandomGenerator(9));
        var fused = global::DeepSharp.Ops.BiasRelu(x, bias);
        Assert.Equal("bias_relu", fused.GradFunction);
        fused.Backward(g);
        float[] fusedX = x.Grad!.ToArray(), fusedBias = bias.Grad!.ToArray();
        x.ZeroGrad();
        bias.ZeroGrad();
        var separate = (x + bias).Relu();
        separate.Backward(g);

        Assert.Equal(separate.ToArray(), fused.ToArray());
        Assert.Equal(x.Grad!.ToArray(), fusedX);
        OpAssert.Close(bias.Grad!.ToArray(), fusedBias);
    }

    [Fact]
    public void Bias_and_relu_fused_pass_the_gradient_check()
    {
        var (x, bias) = BiasReluInputs(3, 2, 3, 19);
        OpAssert.GradientChecks(t => global::DeepSharp.Ops.BiasRelu(t[0], t[1]), x, bias);
    }

    [Fact]
    public void Bias_and_relu_take_the_two_ops_for_shapes_the_fused_pass_does_not_cover()
    {
        var (x, _) = BiasReluInputs(4, 3, 4);
        var column = Tensor.FromArray([0.5f, -0.5f, 1f], 3, 1).WithRequiresGrad(); // broadcast along rows, not columns
        var y = global::DeepSharp.Ops.BiasRelu(x, column);
        Assert.Equal("relu", y.GradFunction);
        Assert.Equal((x + column).Relu().ToArray(), y.ToArray());
        var big = Tensor.Ones(600, 512);
        Assert.Equal("relu", global::DeepSharp.Ops.BiasRelu(big.WithRequiresGrad(), Tensor.Zeros(512)).GradFunction);
    }

    [Fact]
    public void A_dense_relu_layer_runs_bias_and_relu_as_one_op()
    {
        var layer = new Dense(6, activation: "relu");
        var x = Tensor.RandomNormal([4, 5], generator: new RandomGenerator(2));
        var y = layer.Call(x, training: true);
        Assert.Equal("bias_relu", y.GradFunction);
        Assert.Equal((x.MatMul(layer.Kernel) + layer.Bias!).Relu().ToArray(), y.ToArray());
    }

    [Fact]
    public void Softmax_rejects_a_bad_axis_by_name()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Ones(2, 3).Softmax(2));
        Assert.Contains("Softmax", e.Message);
        Assert.Contains("axis 2", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        var scalar = Assert.Throws<ArgumentException>(() => Tensor.Scalar(1f).LogSoftmax());
        Assert.Contains("LogSoftmax", scalar.Message);
    }
}
