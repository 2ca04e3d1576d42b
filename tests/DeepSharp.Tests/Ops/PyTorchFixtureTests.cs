namespace DeepSharp.Tests.Ops;

/// <summary>
/// Forward values and gradients against PyTorch 1.13 (float32), from the fixtures tools/make_fixtures.py
/// wrote. Tolerance: 1e-5 relative + 1e-6 absolute. Both sides compute in float32 with different kernels
/// (exp, erf, tanh implementations; summation order in matmul and reductions), so results differ by a few
/// units in the last place (ulp ≈ 6e-8 relative); 1e-5 relative leaves room for about a hundred ulps of
/// accumulated rounding, and 1e-6 absolute covers values near zero, where relative error means nothing
/// (cancellation in sums, the 1.5e-7 absolute error of the erf approximations both libraries use in GELU).
/// </summary>
public class PyTorchFixtureTests
{
    private const double Relative = 1e-5, Absolute = 1e-6;

    public static TheoryData<string, string> All =>
        PyTorchFixture.Cases("matmul.json", "arithmetic.json", "reductions.json", "activations.json", "softmax.json", "unary.json");

    private static Tensor Run(PyTorchFixture f, Tensor[] x) => f.Op switch
    {
        "matmul" => (f.Bool("transpose_a", false) ? x[0].Transpose() : x[0]).MatMul(f.Bool("transpose_b", false) ? x[1].Transpose() : x[1]),
        "add" => x[0] + x[1],
        "sub" => x[0] - x[1],
        "mul" => x[0] * x[1],
        "div" => x[0] / x[1],
        "pow" => x[0].Pow(x[1]),
        "sum" => f.Ints("axes") is { } axes ? x[0].Sum(axes, f.Bool("keepDims", false)) : x[0].Sum(f.Bool("keepDims", false)),
        "mean" => f.Ints("axes") is { } axes ? x[0].Mean(axes, f.Bool("keepDims", false)) : x[0].Mean(f.Bool("keepDims", false)),
        "max" => f.Ints("axes") is { } axes ? x[0].Max(axes, f.Bool("keepDims", false)) : x[0].Max(f.Bool("keepDims", false)),
        "min" => f.Ints("axes") is { } axes ? x[0].Min(axes, f.Bool("keepDims", false)) : x[0].Min(f.Bool("keepDims", false)),
        "sigmoid" => x[0].Sigmoid(),
        "tanh" => x[0].Tanh(),
        "relu" => x[0].Relu(),
        "leaky_relu" => x[0].LeakyRelu(f.Float("alpha", float.NaN)), // torch's default slope differs from ours: always explicit
        "elu" => x[0].Elu(f.Float("alpha", 1f)),
        "selu" => x[0].Selu(),
        "gelu" => x[0].Gelu(f.Bool("approximate", false)),
        "softplus" => x[0].Softplus(),
        "softsign" => x[0].Softsign(),
        "silu" => x[0].Silu(),
        "hard_sigmoid" => x[0].HardSigmoid(),
        "relu6" => x[0].Relu6(),
        "softmax" => x[0].Softmax((int)f.Float("axis", -1)),
        "log_softmax" => x[0].LogSoftmax((int)f.Float("axis", -1)),
        "exp" => x[0].Exp(),
        "log" => x[0].Log(),
        "sqrt" => x[0].Sqrt(),
        "abs" => x[0].Abs(),
        "square" => x[0].Square(),
        "clip" => x[0].Clip(f.Float("min", float.NaN), f.Float("max", float.NaN)),
        _ => throw new ArgumentException($"Fixture {f}: unknown op '{f.Op}'."),
    };

    [Theory]
    [MemberData(nameof(All))]
    public void Forward_and_backward_match_pytorch(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        var inputs = f.Inputs.Select(t => ToTensor(t).WithRequiresGrad()).ToArray();
        var y = Run(f, inputs);
        Assert.Equal(f.Output.Shape, y.Shape.ToArray());
        OpAssert.Close(f.Output.Values, y.ToArray(), Relative, Absolute);
        y.Backward(ToTensor(f.Upstream));
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(f.Gradients[i].Shape, inputs[i].Grad!.Shape.ToArray());
            OpAssert.Close(f.Gradients[i].Values, inputs[i].Grad!.ToArray(), Relative, Absolute);
        }
    }

    // FromArray makes a 1-D tensor when no shape is given; a PyTorch 0-d tensor is our scalar.
    private static Tensor ToTensor((int[] Shape, float[] Values) t) =>
        t.Shape.Length == 0 ? Tensor.Scalar(t.Values[0]) : Tensor.FromArray(t.Values, t.Shape);

    [Fact]
    public void Every_fixture_file_has_cases()
    {
        // Guards against an empty or missing file silently turning the theory above into no tests.
        foreach (var file in new[] { "matmul.json", "arithmetic.json", "reductions.json", "activations.json", "softmax.json", "unary.json" })
            Assert.True(PyTorchFixture.Cases(file).Count() >= 6, file);
    }
}
