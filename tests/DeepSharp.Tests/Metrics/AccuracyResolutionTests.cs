namespace DeepSharp.Tests.Metrics;

/// <summary>
/// "accuracy" and "crossentropy" are chosen from the shapes of targets and outputs at the first batch, as Keras 3
/// (trainers/compile_utils.py): binary when the output's last dimension is 1, sparse categorical when the targets
/// have one dimension fewer or a last dimension of 1 against several outputs, categorical otherwise.
/// </summary>
public class AccuracyResolutionTests
{
    /// <summary>A loss of the user's own: the mean squared error written by hand (Keras resolves "accuracy" regardless).</summary>
    private sealed class HandMadeSquaredError : Loss
    {
        public override string Name => "hand_made_squared_error";

        protected override Tensor ComputeCore(Tensor targets, Tensor predictions) => DeepSharp.Ops.Mean(DeepSharp.Ops.Square(predictions - targets));
    }

    /// <summary>A custom loss that reads any targets (it only shrinks the outputs): the metric cannot lean on the loss here.</summary>
    private sealed class ShrinkOutputs : Loss
    {
        public override string Name => "shrink_outputs";

        protected override Tensor ComputeCore(Tensor targets, Tensor predictions) => DeepSharp.Ops.Mean(DeepSharp.Ops.Square(predictions));
    }

    private static Sequential Classifier(int outputs, string activation) =>
        new(new Dense(outputs, activation: activation, kernelInitializer: new GlorotUniform(seed: 5), inputShape: [4]));

    private static Tensor Inputs => Tensor.RandomNormal([6, 4], generator: new RandomGenerator(11));

    [Fact]
    public void With_a_custom_loss_and_one_hot_targets_accuracy_is_categorical()
    {
        // model.compile(optimizer="sgd", loss=HandMadeSquaredError(), metrics=["accuracy"])
        // model.evaluate(x, one_hot)          # Keras: CategoricalAccuracy, from the shapes (6, 3) and (6, 3)
        var model = Classifier(3, "softmax");
        model.Compile(new SGD(), new HandMadeSquaredError(), metrics: ["accuracy"]);
        var probabilities = model.Predict(Inputs).ToArray();
        var labels = new float[6];
        var oneHot = new float[18];
        for (int i = 0; i < 6; i++)
        {
            // half the rows labelled with their arg-max, half with the next class: accuracy 0.5 exactly
            int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(probabilities.AsSpan(3 * i, 3));
            labels[i] = i % 2 == 0 ? best : (best + 1) % 3;
            oneHot[3 * i + (int)labels[i]] = 1;
        }
        var result = model.Evaluate(Inputs, Tensor.FromArray(oneHot, 6, 3), verbose: 0);
        Assert.Equal(0.5, result["accuracy"], 10);
        Assert.IsType<CategoricalAccuracy>(((Accuracy)model.Metrics[0]).Resolved);
    }

    [Theory]
    [InlineData(new[] { 6 }, 3, typeof(SparseCategoricalAccuracy))]    // labels (6,) against (6, 3)
    [InlineData(new[] { 6, 1 }, 3, typeof(SparseCategoricalAccuracy))] // labels (6, 1) against (6, 3)
    [InlineData(new[] { 6, 3 }, 3, typeof(CategoricalAccuracy))]       // one-hot (6, 3) against (6, 3)
    [InlineData(new[] { 6, 1 }, 1, typeof(BinaryAccuracy))]            // 0/1 (6, 1) against (6, 1)
    public void The_first_batch_decides_whichever_the_loss(int[] targetShape, int outputs, Type expected)
    {
        // model.compile(loss=ShrinkOutputs(), metrics=["acc"]); model.fit(x, y)   # Keras picks the accuracy from y and the output
        var model = Classifier(outputs, outputs == 1 ? "sigmoid" : "softmax");
        model.Compile(new SGD(), new ShrinkOutputs(), metrics: ["acc"]);
        var y = Tensor.Zeros(targetShape);
        if (targetShape.Length == 2 && targetShape[1] == 3) y = Tensor.FromArray(Enumerable.Range(0, 18).Select(i => i % 3 == 0 ? 1f : 0f).ToArray(), 6, 3);
        model.Fit(Inputs, y, batchSize: 3, epochs: 1, verbose: 0);
        var accuracy = Assert.IsType<Accuracy>(model.Metrics[0]);
        Assert.IsType(expected, accuracy.Resolved);
        Assert.Equal("acc", accuracy.Resolved!.Name);
    }

    [Fact]
    public void Crossentropy_by_its_generic_name_follows_the_same_rule()
    {
        // model.compile(loss="crossentropy", metrics=["ce"])   # Keras 3: the loss and the metric from the shapes
        var model = Classifier(3, "softmax");
        model.Compile(new SGD(), "crossentropy", metrics: ["ce", "sparse_categorical_crossentropy"]);
        var labels = Tensor.FromArray([0f, 1, 2, 0, 1, 2]);
        var result = model.Evaluate(Inputs, labels, verbose: 0);
        double expected = DeepSharp.Ops.SparseCategoricalCrossentropy(labels, model.Predict(Inputs)).Item();
        Assert.Equal(expected, result.Loss, 5);
        Assert.Equal(expected, result["ce"], 5);
        Assert.Equal(expected, result["sparse_categorical_crossentropy"], 5);
        var loss = Assert.IsType<Crossentropy>(model.Loss);
        Assert.IsType<BinaryCrossentropy>(loss.For([6, 1], [6, 1]));
        Assert.IsType<CategoricalCrossentropy>(loss.For([6, 3], [6, 3]));
    }
}
