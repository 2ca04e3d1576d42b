using System.Runtime.Intrinsics;
using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Every elementwise function is written once over lanes and runs at several widths (scalar, 256-bit, 512-bit);
/// the machine runs only one width in production, so this checks here that they agree, whatever DEEPSHARP_SIMD selects.
/// </summary>
public class VectorFunctionTests
{
    private static readonly float[] Inputs = MakeInputs();

    private static float[] MakeInputs()
    {
        var values = new List<float> { 0f, -0f, 1e-7f, -1e-7f, 1e-4f, -1e-4f, 0.5f, -0.5f, 3f, -3f, 6f, 8.9f, 9.1f, -9.1f, 20f, -20f, 90f, -90f, 200f, -200f };
        var random = new Random(7);
        while (values.Count % 16 != 0 || values.Count < 96) values.Add((float)(random.NextDouble() * 16 - 8));
        return values.ToArray();
    }

    private static void AllWidthsAgree<TF>(TF f, string name) where TF : struct, IUnaryFunction
    {
        for (int i = 0; i < Inputs.Length; i += 16)
        {
            var v512 = f.Apply(new Lanes512(Vector512.Create(Inputs, i))).Vector;
            var lo = f.Apply(new Lanes256(Vector256.Create(Inputs, i))).Vector;
            var hi = f.Apply(new Lanes256(Vector256.Create(Inputs, i + 8))).Vector;
            for (int j = 0; j < 16; j++)
            {
                float x = Inputs[i + j], scalar = f.Apply(new Lane1(x)).Value, wide = v512[j], narrow = j < 8 ? lo[j] : hi[j - 8];
                Assert.True(Near(scalar, wide) && Near(scalar, narrow), $"{name}({x:G9}): scalar {scalar:G9}, 512 {wide:G9}, 256 {narrow:G9}");
            }
        }
    }

    private static void AllWidthsAgree2<TF>(TF f, string name) where TF : struct, IBinaryFunction
    {
        var g = Inputs.Reverse().ToArray();
        for (int i = 0; i < Inputs.Length; i += 16)
        {
            var v512 = f.Apply(new Lanes512(Vector512.Create(Inputs, i)), new Lanes512(Vector512.Create(g, i))).Vector;
            var lo = f.Apply(new Lanes256(Vector256.Create(Inputs, i)), new Lanes256(Vector256.Create(g, i))).Vector;
            var hi = f.Apply(new Lanes256(Vector256.Create(Inputs, i + 8)), new Lanes256(Vector256.Create(g, i + 8))).Vector;
            for (int j = 0; j < 16; j++)
            {
                float x = Inputs[i + j], scalar = f.Apply(new Lane1(x), new Lane1(g[i + j])).Value, wide = v512[j], narrow = j < 8 ? lo[j] : hi[j - 8];
                Assert.True(Near(scalar, wide) && Near(scalar, narrow), $"{name}({x:G9}, {g[i + j]:G9}): scalar {scalar:G9}, 512 {wide:G9}, 256 {narrow:G9}");
            }
        }
    }

    // Scalar MathF.Exp and the vector exp may differ in the last bits, which cancellation can magnify
    // (gelu_tanh's 1 + tanh near -1); everything else is the same arithmetic.
    private static bool Near(float a, float b) =>
        a.Equals(b) || Math.Abs(a - b) <= 1e-6 * Math.Max(Math.Abs(a), Math.Abs(b)) + 2e-7;

    [Fact]
    public void Forward_functions_agree_across_widths()
    {
        AllWidthsAgree(new ExpFunction(), "exp");
        AllWidthsAgree(new SigmoidFunction(), "sigmoid");
        AllWidthsAgree(new TanhFunction(), "tanh");
        AllWidthsAgree(new LeakyReluFunction(0.2f), "leaky_relu");
        AllWidthsAgree(new EluFunction(1.3f, 1.1f), "elu");
        AllWidthsAgree(new GeluFunction(), "gelu");
        AllWidthsAgree(new GeluTanhFunction(), "gelu_tanh");
        AllWidthsAgree(new SoftplusFunction(), "softplus");
        AllWidthsAgree(new SoftsignFunction(), "softsign");
        AllWidthsAgree(new SwishFunction(), "swish");
        AllWidthsAgree(new ReluSixFunction(3f, 6f), "hard_sigmoid");
        AllWidthsAgree(new SignFunction(), "sign");
    }

    [Fact]
    public void Gradient_and_comparison_functions_agree_across_widths()
    {
        AllWidthsAgree2(new SigmoidGradient(), "sigmoid'");
        AllWidthsAgree2(new TanhGradient(), "tanh'");
        AllWidthsAgree2(new ReluGradient(), "relu'");
        AllWidthsAgree2(new OpenIntervalGradient(-3f, 3f, 1f / 6f), "hard_sigmoid'");
        AllWidthsAgree2(new LeakyReluGradient(0.2f), "leaky_relu'");
        AllWidthsAgree2(new EluGradient(1.3f, 1.1f), "elu'");
        AllWidthsAgree2(new GeluGradient(), "gelu'");
        AllWidthsAgree2(new GeluTanhGradient(), "gelu_tanh'");
        AllWidthsAgree2(new SoftplusGradient(), "softplus'");
        AllWidthsAgree2(new SoftsignGradient(), "softsign'");
        AllWidthsAgree2(new SwishGradient(), "swish'");
        AllWidthsAgree2(new SqrtGradient(), "sqrt'");
        AllWidthsAgree2(new AbsGradient(), "abs'");
        AllWidthsAgree2(new SquareGradient(), "square'");
        AllWidthsAgree2(new ClosedIntervalGradient(-0.5f, 0.8f), "clip'");
        AllWidthsAgree2(new EqualFunction(), "equal");
        AllWidthsAgree2(new NotEqualFunction(), "not_equal");
        AllWidthsAgree2(new GreaterFunction(), "greater");
        AllWidthsAgree2(new GreaterEqualFunction(), "greater_equal");
        AllWidthsAgree2(new LessFunction(), "less");
        AllWidthsAgree2(new LessEqualFunction(), "less_equal");
        AllWidthsAgree2(new MaximumShareFunction(), "maximum_share");
    }

    [Fact]
    public void Tails_of_every_length_compute_the_same_values_as_the_body()
    {
        // Lengths 1..40 cover empty bodies, exact multiples and every tail length of both widths.
        var source = Inputs[..40];
        var full = new float[40];
        VectorLoop.Map(new GeluFunction(), source, full);
        for (int n = 1; n <= 40; n++)
        {
            var part = new float[n];
            VectorLoop.Map(new GeluFunction(), source.AsSpan(0, n), part);
            Assert.Equal(full[..n], part);
        }
    }
}
