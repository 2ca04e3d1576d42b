namespace DeepSharp.Tests.Losses;

using Ops = global::DeepSharp.Ops;

/// <summary>
/// Class labels are checked over the whole target tensor once per Fit or Evaluate; each step's op still refuses a
/// label that is not a class index, with a message, and never reads outside a row.
/// </summary>
public class LabelCheckTests
{
    public static TheoryData<float, string> BadLabels => new()
    {
        { 10f, "label 10" },
        { -1f, "label -1" },
        { 2.5f, "label 2.5" },
        { float.NaN, "label NaN" },
        { 1e9f, "label 1E+09" },
    };

    [Theory]
    [MemberData(nameof(BadLabels))]
    public void Every_form_of_the_sparse_op_refuses_a_label_that_is_not_a_class(float label, string expected)
    {
        var logits = Tensor.RandomNormal([3, 10], generator: new RandomGenerator(1)).WithRequiresGrad();
        var labels = Tensor.FromArray([0f, label, 1f]);
        Func<Tensor>[] forms =
        [
            () => Ops.SparseCategoricalCrossentropy(labels, logits, fromLogits: true),
            () => Ops.SparseCategoricalCrossentropy(labels, Ops.Softmax(logits)),
            () => new SparseCategoricalCrossentropy().Compute(labels, Ops.Softmax(logits)),
        ];
        foreach (var form in forms)
        {
            var e = Assert.Throws<ArgumentException>(form);
            Assert.Contains(expected, e.Message);
            Assert.Contains("position 1", e.Message);
            Assert.Contains("[0, 9]", e.Message);
        }
    }

    [Fact]
    public void A_training_step_with_a_bad_label_fails_clearly_and_leaves_the_weights()
    {
        var model = new Sequential(new Dense(3, activation: "softmax", inputShape: [2]));
        model.Compile("sgd", "sparse_categorical_crossentropy");
        var before = model.GetWeights().Select(w => w.ToArray()).ToList();
        var e = Assert.Throws<ArgumentException>(() => model.TrainOnBatch(Tensor.Ones(2, 2), Tensor.FromArray([0f, 7f])));
        Assert.Contains("label 7", e.Message);
        Assert.Equal(before, model.GetWeights().Select(w => w.ToArray()).ToList());
    }

    [Fact]
    public void Fit_checks_every_label_before_the_first_step()
    {
        var model = new Sequential(new Dense(3, activation: "softmax", inputShape: [2]));
        model.Compile("sgd", "sparse_categorical_crossentropy");
        var before = model.GetWeights().Select(w => w.ToArray()).ToList();
        var labels = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => i == 63 ? 0.5f : (float)(i % 3)).ToArray());
        var e = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Ones(64, 2), labels, batchSize: 8, verbose: 0));
        Assert.Contains("label 0.5 at index 63", e.Message);
        Assert.Equal(before, model.GetWeights().Select(w => w.ToArray()).ToList());
    }
}
