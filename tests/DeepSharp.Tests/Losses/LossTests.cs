namespace DeepSharp.Tests.Losses;

using Ops = global::DeepSharp.Ops;
using Losses = global::DeepSharp.Losses;

public class LossTests
{
    private static Tensor Probabilities(int rows, int classes, int seed) =>
        Ops.Softmax(Tensor.RandomNormal([rows, classes], generator: new RandomGenerator(seed)));

    [Theory]
    [InlineData("mse", typeof(MeanSquaredError))]
    [InlineData("mean_squared_error", typeof(MeanSquaredError))]
    [InlineData("MeanAbsoluteError", typeof(MeanAbsoluteError))]
    [InlineData("sparse_categorical_crossentropy", typeof(SparseCategoricalCrossentropy))]
    [InlineData("categorical_crossentropy", typeof(CategoricalCrossentropy))]
    [InlineData("binary_crossentropy", typeof(BinaryCrossentropy))]
    [InlineData("kld", typeof(KLDivergence))]
    [InlineData("huber", typeof(Huber))]
    public void Names_resolve_like_keras(string name, Type expected)
    {
        Loss loss = name;
        Assert.IsType(expected, loss);
    }

    [Fact]
    public void Unknown_name_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => Losses.Get("cross_entropy"));
        Assert.Contains("cross_entropy", e.Message);
        Assert.Contains("sparse_categorical_crossentropy", e.Message);
    }

    [Fact]
    public void Softmax_output_is_fused_with_cross_entropy_and_matches_the_logits_form()
    {
        var logits = Tensor.RandomNormal([8, 10], std: 3f, generator: new RandomGenerator(3)).WithRequiresGrad();
        var labels = Tensor.FromArray([0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f]);
        var fused = new SparseCategoricalCrossentropy().Compute(labels, Ops.Softmax(logits));
        fused.Backward();
        var fusedGrad = logits.Grad!.ToArray();
        logits.ZeroGrad();
        var direct = new SparseCategoricalCrossentropy(fromLogits: true).Compute(labels, logits);
        direct.Backward();
        Assert.Equal(direct.Item(), fused.Item(), 6);
        Assert.Equal(logits.Grad!.ToArray(), fusedGrad);
    }

    [Theory]
    [InlineData(10, 128)]
    [InlineData(3, 5)]
    [InlineData(15, 2)]
    [InlineData(20, 7)] // a row longer than a vector: the row-by-row path
    public void Sparse_cross_entropy_from_logits_matches_the_definition_and_its_gradient(int classes, int rows)
    {
        var random = new Random(classes * 100 + rows);
        var values = new float[rows * classes];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 8 - 4);
        var labelValues = new float[rows];
        for (int r = 0; r < rows; r++) labelValues[r] = random.Next(classes);
        var logits = Tensor.FromArray(values, rows, classes).WithRequiresGrad();
        var labels = Tensor.FromArray(labelValues);

        var loss = Ops.SparseCategoricalCrossentropy(labels, logits, fromLogits: true);
        loss.Backward();

        // In double precision: loss = mean over rows of log Σ e^x − x[label]; its gradient (softmax − one-hot) / rows.
        double expectedLoss = 0;
        var expectedGrad = new float[values.Length];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < classes; j++) max = Math.Max(max, values[r * classes + j]);
            for (int j = 0; j < classes; j++) sum += Math.Exp(values[r * classes + j] - max);
            int label = (int)labelValues[r];
            expectedLoss += max + Math.Log(sum) - values[r * classes + label];
            for (int j = 0; j < classes; j++)
                expectedGrad[r * classes + j] = (float)((Math.Exp(values[r * classes + j] - max) / sum - (j == label ? 1 : 0)) / rows);
        }
        Assert.Equal(expectedLoss / rows, loss.Item(), 5);
        var grad = logits.Grad!.ToArray();
        for (int i = 0; i < grad.Length; i++) Assert.Equal(expectedGrad[i], grad[i], 6);
    }

    [Fact]
    public void Fused_cross_entropy_is_stable_for_extreme_logits()
    {
        var logits = Tensor.FromArray([1000f, -1000f, 0f, 0f, 0f, 500f], 2, 3).WithRequiresGrad();
        var labels = Tensor.FromArray([1f, 0f]);
        var loss = new SparseCategoricalCrossentropy().Compute(labels, Ops.Softmax(logits));
        Assert.True(float.IsFinite(loss.Item()));
        Assert.Equal((2000f + 500f) / 2, loss.Item(), 2);
        loss.Backward();
        Assert.All(logits.Grad!.ToArray(), g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void Sparse_labels_out_of_range_are_refused_with_the_label_and_class_count()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Ops.SparseCategoricalCrossentropy(Tensor.FromArray([0f, 10f]), Probabilities(2, 10, 1)));
        Assert.Contains("label 10", e.Message);
        Assert.Contains("[0, 9]", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() =>
            Ops.SparseCategoricalCrossentropy(Tensor.FromArray([0.5f, 1f]), Probabilities(2, 10, 1)));
        Assert.Contains("0.5", e2.Message);
    }

    [Fact]
    public void Mismatched_shapes_name_both()
    {
        var e = Assert.Throws<ArgumentException>(() => Ops.MeanSquaredError(Tensor.Ones(4, 3), Tensor.Ones(4, 2)));
        Assert.Contains("(4, 3)", e.Message);
        Assert.Contains("(4, 2)", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() =>
            Ops.SparseCategoricalCrossentropy(Tensor.FromArray([1f, 2f, 3f]), Probabilities(2, 10, 1)));
        Assert.Contains("one label per row", e2.Message);
    }

    [Fact]
    public void Targets_of_shape_batch_match_predictions_of_shape_batch_by_one()
    {
        var loss = Ops.MeanSquaredError(Tensor.FromArray([1f, 2f]), Tensor.FromArray([1.5f, 2.5f], 2, 1));
        Assert.Equal(0.25f, loss.Item(), 6);
    }

    public static TheoryData<string> GradientChecked => new()
    {
        "sparse_logits", "sparse_probs", "cce_logits", "cce_probs", "bce_logits", "bce_probs", "mse", "mae", "huber", "kld",
    };

    [Theory]
    [MemberData(nameof(GradientChecked))]
    public void Every_loss_passes_the_gradient_check(string which)
    {
        var rng = new RandomGenerator(11);
        var labels = Tensor.FromArray([0f, 2f, 1f, 3f]);
        var onehot = Tensor.FromArray([1f, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1], 4, 4);
        var targets01 = Tensor.FromArray([1f, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0], 4, 4);
        var logits = Tensor.RandomNormal([4, 4], generator: rng).WithRequiresGrad();
        var probs = Tensor.RandomUniform([4, 4], 0.1f, 0.9f, rng).WithRequiresGrad();
        var values = Tensor.RandomNormal([4, 4], generator: rng).WithRequiresGrad();
        var other = Tensor.RandomNormal([4, 4], std: 2f, generator: rng);
        Func<Tensor[], Tensor> f = which switch
        {
            "sparse_logits" => x => Ops.SparseCategoricalCrossentropy(labels, x[0], fromLogits: true),
            "sparse_probs" => x => Ops.SparseCategoricalCrossentropy(labels, x[0]),
            "cce_logits" => x => Ops.CategoricalCrossentropy(onehot, x[0], fromLogits: true),
            "cce_probs" => x => Ops.CategoricalCrossentropy(onehot, x[0]),
            "bce_logits" => x => Ops.BinaryCrossentropy(targets01, x[0], fromLogits: true),
            "bce_probs" => x => Ops.BinaryCrossentropy(targets01, x[0]),
            "mse" => x => Ops.MeanSquaredError(other, x[0]),
            "mae" => x => Ops.MeanAbsoluteError(other, x[0]),
            "huber" => x => Ops.Huber(other, x[0]),
            _ => x => Ops.KLDivergence(Ops.Softmax(other), x[0]),
        };
        var input = which.EndsWith("logits") ? logits : which.EndsWith("probs") || which == "kld" ? probs : values;
        var result = GradientChecker.Check(f, [input], epsilon: 1e-3f);
        Assert.True(result.Passed, result.ToString());
    }
}
