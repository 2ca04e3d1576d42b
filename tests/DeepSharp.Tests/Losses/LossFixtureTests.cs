using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Losses;

using Ops = global::DeepSharp.Ops;
using Losses = global::DeepSharp.Losses;

/// <summary>Each loss against PyTorch's value and gradient (tools/make_loss_fixtures.py).</summary>
public class LossFixtureTests
{
    // float32 sums of a few dozen terms: agreement to ~1e-6 relative is expected; 1e-5 leaves room for
    // different summation orders without hiding a wrong formula (those differ by far more).
    private const double Relative = 1e-5, Absolute = 1e-6;

    public static TheoryData<string, string> Cases => new()
    {
        { "sparse_cce_logits", "sparse_categorical_crossentropy(from_logits)" },
        { "sparse_cce_probs", "sparse_categorical_crossentropy" },
        { "cce_logits", "categorical_crossentropy(from_logits)" },
        { "cce_probs", "categorical_crossentropy" },
        { "bce_logits", "binary_crossentropy(from_logits)" },
        { "bce_probs", "binary_crossentropy" },
        { "mse", "mean_squared_error" },
        { "mae", "mean_absolute_error" },
        { "huber", "huber" },
        { "huber_delta_0_5", "huber(0.5)" },
        { "kl_divergence", "kl_divergence" },
        { "sparse_cce_logits_sequence", "sparse_categorical_crossentropy(from_logits)" },
    };

    private static Loss Create(string spec) => spec switch
    {
        "sparse_categorical_crossentropy(from_logits)" => new SparseCategoricalCrossentropy(fromLogits: true),
        "categorical_crossentropy(from_logits)" => new CategoricalCrossentropy(fromLogits: true),
        "binary_crossentropy(from_logits)" => new BinaryCrossentropy(fromLogits: true),
        "huber(0.5)" => new Huber(0.5f),
        _ => spec,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loss_and_gradient_match_pytorch(string fixture, string loss)
    {
        var f = LossFixture.Load(fixture);
        var predictions = f.Predictions.WithRequiresGrad();
        var value = Create(loss).Compute(f.Targets, predictions);
        Assert.Equal(new TensorShape(), value.Shape);
        AssertClose(f.Loss, value.Item(), fixture + " loss");
        value.Backward();
        var gradient = predictions.Grad!.ToArray();
        for (int i = 0; i < gradient.Length; i++) AssertClose(f.Gradient[i], gradient[i], $"{fixture} gradient[{i}]");
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Absolute + Relative * Math.Abs(expected),
            $"{what}: expected {expected:G9}, got {actual:G9}");
}
