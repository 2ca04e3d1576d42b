namespace DeepSharp.Tests.Losses;

using Ops = global::DeepSharp.Ops;

/// <summary>
/// A cross-entropy on a softmax (or sigmoid) output reads that activation's logits and values: decided once at
/// Compile for a model (from its output layer), seen in the graph outside one. It computes no second softmax and
/// gives the logits form's values and gradients.
/// </summary>
public class LossBindingTests
{
    private static Tensor Logits(int rows, int classes, int seed, float std = 3f) =>
        Tensor.RandomNormal([rows, classes], std: std, generator: new RandomGenerator(seed)).WithRequiresGrad();

    private static Tensor Labels(int rows, int classes) =>
        Tensor.FromArray(Enumerable.Range(0, rows).Select(r => (float)(r * 7 % classes)).ToArray());

    public static TheoryData<string, string> Models => new()
    {
        { "dense_softmax", "Softmax" },
        { "dense_sigmoid", "Sigmoid" },
        { "dense_linear", "Other" },
        { "activation_layer_softmax", "Softmax" },
        { "leaky_relu_with_slope", "Other" },
        { "flatten_last", "Unknown" },
        { "nested_softmax", "Softmax" },
        { "functional_softmax", "Softmax" },
    };

    private static Model Build(string which) => which switch
    {
        "dense_softmax" => new Sequential(new Dense(3, activation: "softmax", inputShape: [4])),
        "dense_sigmoid" => new Sequential(new Dense(1, activation: "sigmoid", inputShape: [4])),
        "dense_linear" => new Sequential(new Dense(3, inputShape: [4])),
        "activation_layer_softmax" => new Sequential(new Dense(3, inputShape: [4]), new Activation("softmax")),
        "leaky_relu_with_slope" => new Sequential(new Dense(3, activation: Activations.LeakyReluWith(0.1f), inputShape: [4])),
        "flatten_last" => new Sequential(new Dense(3, inputShape: [4]), new Flatten()),
        "nested_softmax" => new Sequential(new Sequential(new Dense(3, activation: "softmax", inputShape: [4]))),
        _ => FunctionalSoftmax(),
    };

    private static Model FunctionalSoftmax()
    {
        var inputs = new Input([4]);
        return new Model(inputs, new Dense(3, activation: "softmax").Call(new Dense(5).Call(inputs)));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Compile_reads_what_the_output_layer_applies_last(string which, string expected)
    {
        var model = Build(which);
        Assert.Equal(OutputActivation.Unknown, model.OutputActivation);
        model.Compile("sgd", "categorical_crossentropy");
        Assert.Equal(expected, model.OutputActivation.ToString());
    }

    [Theory]
    [InlineData(10, 32)] // rows of one vector
    [InlineData(20, 7)]  // rows longer than a vector
    public void On_a_softmax_output_the_loss_reads_its_logits_and_matches_the_logits_form_exactly(int classes, int rows)
    {
        var labels = Labels(rows, classes);
        var logits = Logits(rows, classes, classes);
        var probabilities = Ops.Softmax(logits);
        var bound = new SparseCategoricalCrossentropy().Compute(labels, probabilities, OutputActivation.Softmax);
        Assert.Same(probabilities, bound._node!.C); // the softmax's own output, not a second softmax
        bound.Backward();
        var boundGrad = logits.Grad!.ToArray();
        logits.ZeroGrad();
        var direct = Ops.SparseCategoricalCrossentropy(labels, logits, fromLogits: true);
        direct.Backward();
        Assert.Equal(direct.Item(), bound.Item());
        Assert.Equal(logits.Grad!.ToArray(), boundGrad);
    }

    [Fact]
    public void Soft_targets_on_a_softmax_output_match_the_logits_form_exactly()
    {
        var logits = Logits(6, 20, 4);
        var targets = Ops.Softmax(Tensor.RandomNormal([6, 20], generator: new RandomGenerator(5)));
        var bound = new CategoricalCrossentropy().Compute(targets, Ops.Softmax(logits), OutputActivation.Softmax);
        bound.Backward();
        var boundGrad = logits.Grad!.ToArray();
        logits.ZeroGrad();
        var direct = Ops.CategoricalCrossentropy(targets, logits, fromLogits: true);
        direct.Backward();
        Assert.Equal(direct.Item(), bound.Item());
        Assert.Equal(logits.Grad!.ToArray(), boundGrad);
    }

    [Fact]
    public void On_a_sigmoid_output_binary_cross_entropy_reads_its_logits_and_matches_the_logits_form()
    {
        var logits = Logits(8, 3, 6, std: 8f);
        var targets = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)(i % 2)).ToArray(), 8, 3);
        var probabilities = Ops.Sigmoid(logits);
        var bound = new BinaryCrossentropy().Compute(targets, probabilities, OutputActivation.Sigmoid);
        Assert.Same(probabilities, bound._node!.C);
        bound.Backward();
        var boundGrad = logits.Grad!.ToArray();
        logits.ZeroGrad();
        var direct = Ops.BinaryCrossentropy(targets, logits, fromLogits: true);
        direct.Backward();
        Assert.Equal(direct.Item(), bound.Item());
        Assert.Equal(logits.Grad!.ToArray(), boundGrad);
    }

    [Fact]
    public void On_an_output_known_not_to_be_a_softmax_the_loss_takes_the_probabilities_as_they_are()
    {
        // Each row's label has probability 0: clipped to ε in the probability form, exact from the logits.
        var logits = Tensor.FromArray([1000f, -1000f, 0f, 0f, 0f, 500f], 2, 3).WithRequiresGrad();
        var labels = Tensor.FromArray([1f, 0f]);
        var probabilities = Ops.Softmax(logits);
        var loss = new SparseCategoricalCrossentropy();
        Assert.Equal(-MathF.Log(1e-7f), loss.Compute(labels, probabilities, OutputActivation.Other).Item(), 4);
        Assert.Equal(Ops.SparseCategoricalCrossentropy(labels, probabilities).Item(), loss.Compute(labels, probabilities, OutputActivation.Other).Item());
        Assert.Equal((2000f + 500f) / 2, loss.Compute(labels, probabilities, OutputActivation.Unknown).Item(), 2);
    }

    [Fact]
    public void Without_a_graph_the_bound_loss_falls_back_to_the_probabilities()
    {
        var logits = Logits(5, 4, 9, std: 1f);
        var labels = Labels(5, 4);
        using var noGrad = DeepSharp.Autograd.NoGrad();
        var probabilities = Ops.Softmax(logits);
        var bound = new SparseCategoricalCrossentropy().Compute(labels, probabilities, OutputActivation.Softmax);
        Assert.Equal(Ops.SparseCategoricalCrossentropy(labels, probabilities).Item(), bound.Item());
    }

    [Fact]
    public void A_softmax_model_trains_on_the_loss_of_its_logits()
    {
        var model = new Sequential(new Dense(5, activation: "softmax", inputShape: [4]));
        model.Compile(new SGD(learningRate: 0.1f), "sparse_categorical_crossentropy");
        var x = Tensor.RandomNormal([6, 4], std: 4f, generator: new RandomGenerator(2));
        var y = Labels(6, 5);
        var dense = (Dense)model.Layers[0];
        float expected;
        using (DeepSharp.Autograd.NoGrad())
            expected = Ops.SparseCategoricalCrossentropy(y, x.MatMul(dense.Kernel) + dense.Bias!, fromLogits: true).Item();
        Assert.Equal(expected, (float)model.TrainOnBatch(x, y)["loss"], 6);
    }
}
