using System.Runtime.Intrinsics;
using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Each elementwise loss term and derivative, written once over lanes and run at each width (scalar, 256-bit, 512-bit): all widths agree with
/// each other and with the formula evaluated in double, at clip boundaries too.
/// </summary>
public class LossFunctionsTests
{
    private const float Eps = CrossEntropyKernels.Epsilon;

    // Pairs (prediction, target): probabilities, clip edges, and wide regression values; a multiple of 16.
    private static readonly (float P, float T)[] Pairs = MakePairs();

    private static (float, float)[] MakePairs()
    {
        var pairs = new List<(float, float)>
        {
            (0f, 0f), (0f, 1f), (1f, 0f), (1f, 1f), (Eps, 1f), (Eps / 2, 1f), (1f - Eps, 0f), (1f - Eps / 4, 1f),
            (0.5f, 0.5f), (0.3f, 0.7f), (0.9f, 0.1f), (2f, 0.5f), (-1f, 0.5f), (-3f, 1f), (3f, -3f), (0.25f, 0.25f),
        };
        var random = new Random(5);
        while (pairs.Count < 64) pairs.Add(((float)random.NextDouble(), random.Next(2)));
        while (pairs.Count < 96) pairs.Add(((float)(random.NextDouble() * 8 - 4), (float)(random.NextDouble() * 8 - 4)));
        return pairs.ToArray();
    }

    private static void Check<TF>(TF f, Func<double, double, double> reference, string name) where TF : struct, IBinaryFunction
    {
        var p = Pairs.Select(x => x.P).ToArray();
        var t = Pairs.Select(x => x.T).ToArray();
        for (int i = 0; i < p.Length; i += 16)
        {
            var v512 = f.Apply(new Lanes512(Vector512.Create(p, i)), new Lanes512(Vector512.Create(t, i))).Vector;
            var lo = f.Apply(new Lanes256(Vector256.Create(p, i)), new Lanes256(Vector256.Create(t, i))).Vector;
            var hi = f.Apply(new Lanes256(Vector256.Create(p, i + 8)), new Lanes256(Vector256.Create(t, i + 8))).Vector;
            for (int j = 0; j < 16; j++)
            {
                float a = p[i + j], b = t[i + j], scalar = f.Apply(new Lane1(a), new Lane1(b)).Value, wide = v512[j], narrow = j < 8 ? lo[j] : hi[j - 8];
                double expected = reference(a, b);
                string where = $"{name}({a:G9}, {b:G9}): scalar {scalar:G9}, 512 {wide:G9}, 256 {narrow:G9}, expected {expected:G9}";
                Assert.True(Near(scalar, wide) && Near(scalar, narrow), where);
                Assert.True(Math.Abs(scalar - expected) <= 2e-6 * Math.Abs(expected) + 1e-6, where);
            }
        }
    }

    private static bool Near(float a, float b) => a.Equals(b) || Math.Abs(a - b) <= 1e-6 * Math.Max(Math.Abs(a), Math.Abs(b)) + 2e-7;

    private static double Clip(double v, double lo, double hi) => Math.Min(Math.Max(v, lo), hi);

    private const float Scale = 0.37f;

    [Fact]
    public void Regression_terms_and_derivatives_match_their_formulas_at_every_width()
    {
        Check(new SquaredError(), (p, t) => (p - t) * (p - t), "squared_error");
        Check(new SquaredErrorGradient(Scale), (p, t) => 2 * (p - t) * Scale, "squared_error'");
        Check(new AbsoluteError(), (p, t) => Math.Abs(p - t), "absolute_error");
        Check(new AbsoluteErrorGradient(Scale), (p, t) => Math.Sign(p - t) * Scale, "absolute_error'");
        foreach (float delta in new[] { 1f, 0.5f })
        {
            Check(new HuberError(delta), (p, t) => Math.Abs(p - t) <= delta ? 0.5 * (p - t) * (p - t) : delta * (Math.Abs(p - t) - 0.5 * delta), $"huber({delta})");
            Check(new HuberErrorGradient(delta, Scale), (p, t) => Clip(p - t, -delta, delta) * Scale, $"huber'({delta})");
        }
    }

    [Fact]
    public void Probability_terms_and_derivatives_match_keras_clipped_formulas_at_every_width()
    {
        Check(new KLDivergenceTerm(), (p, t) =>
        {
            double tc = Clip(t, Eps, 1), pc = Clip(p, Eps, 1);
            return tc * Math.Log(tc / pc);
        }, "kl_divergence");
        Check(new KLDivergenceGradient(Scale), (p, t) => p < Eps || p > 1 ? 0 : -Clip(t, Eps, 1) / p * Scale, "kl_divergence'");
        Check(new BinaryCrossentropyTerm(), (p, z) =>
        {
            double pc = Clip(p, Eps, 1f - Eps); // the bound as float32 has it, as in Keras
            return -(z * Math.Log(pc) + (1 - z) * Math.Log(1 - pc));
        }, "binary_crossentropy");
        Check(new BinaryCrossentropyGradient(Scale), (p, z) => p < Eps || p > 1f - Eps ? 0 : Scale * (p - z) / (p * (1 - p)), "binary_crossentropy'");
    }

    [Fact]
    public void The_logistic_loss_is_binary_cross_entropy_of_the_sigmoid_without_overflow()
    {
        Check(new LogisticLossTerm(), (x, z) => Math.Max(x, 0) - x * z + Math.Log(1 + Math.Exp(-Math.Abs(x))), "logistic");
        Check(new LogisticLossGradient(Scale), (s, z) => (s - z) * Scale, "logistic'");
        Assert.Equal(1000f, new LogisticLossTerm().Apply(new Lane1(1000f), new Lane1(0f)).Value);
        Assert.Equal(0f, new LogisticLossTerm().Apply(new Lane1(1000f), new Lane1(1f)).Value);
    }
}
