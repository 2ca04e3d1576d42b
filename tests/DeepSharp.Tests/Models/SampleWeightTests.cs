namespace DeepSharp.Tests.Models;

/// <summary>
/// sampleWeight and classWeight as Keras 3: the loss of a batch is Σ w·l / batch size (losses/loss.py,
/// reduction "sum_over_batch_size": the weighted sum divided by the number of samples, not by Σ w); Compile's
/// weightedMetrics are weighted means Σ w·v / Σ w while plain metrics ignore the weights; a class weight is the
/// sample weight of every sample of that class (data_adapter_utils.class_weight_to_sample_weights).
/// </summary>
public class SampleWeightTests
{
    // Four samples of one feature; a frozen model (learning rate 0) predicts 2·x, so the per-sample losses are known.
    private static readonly Tensor X = Tensor.FromArray([1f, 2f, 3f, 4f], 4, 1);
    private static readonly Tensor Y = Tensor.FromArray([2f, 5f, 6f, 10f], 4, 1);       // squared errors 0, 1, 0, 4
    private static readonly Tensor W = Tensor.FromArray([1f, 3f, 0.5f, 2f]);

    private static Sequential Frozen(string[]? metrics = null, string[]? weightedMetrics = null)
    {
        var model = new Sequential(new Dense(1, useBias: false, kernelInitializer: new Constant(2f), inputShape: [1]));
        model.Compile(new SGD(learningRate: 0f), "mse", metrics?.Select(m => (Metric)m), weightedMetrics?.Select(m => (Metric)m));
        return model;
    }

    [Fact]
    public void Weighted_loss_is_the_weighted_sum_over_the_batch_size()
    {
        // model.evaluate(x, y, sample_weight=np.array([1, 3, 0.5, 2]))
        //   loss = (1·0 + 3·1 + 0.5·0 + 2·4) / 4 = 2.75        (not / Σw = 6.5: Keras' sum_over_batch_size)
        var model = Frozen();
        Assert.Equal(11.0 / 4, model.Evaluate(X, Y, batchSize: 4, verbose: 0, sampleWeight: W).Loss, 6);
        Assert.Equal(5.0 / 4, model.Evaluate(X, Y, batchSize: 4, verbose: 0).Loss, 6);
        // In batches of 2: (3·1/2 + 2·4/2) averaged over the samples of both batches = the same 2.75.
        Assert.Equal(11.0 / 4, model.Evaluate(X, Y, batchSize: 2, verbose: 0, sampleWeight: W).Loss, 6);
        // And the Loss on its own, as keras.losses.MeanSquaredError()(y, p, sample_weight=w).
        Assert.Equal(11.0 / 4, new MeanSquaredError().Compute(Y, X * 2f, W).Item(), 6);
    }

    [Fact]
    public void Only_weighted_metrics_see_the_weights()
    {
        // model.compile(loss="mse", metrics=["mae"], weighted_metrics=["mae"])
        // model.evaluate(x, y, sample_weight=w)  ->  mae = (0+1+0+2)/4 = 0.75 ; weighted_mae = (3·1 + 2·2) / 6.5
        var model = Frozen(metrics: ["mae"], weightedMetrics: ["mae"]);
        var result = model.Evaluate(X, Y, verbose: 0, sampleWeight: W);
        Assert.Equal(0.75, result["mae"], 6);
        Assert.Equal(7.0 / 6.5, result["weighted_mae"], 6);
        Assert.Equal(1, model.WeightedMetricCount);
    }

    [Fact]
    public void Sample_weights_steer_training_and_zero_weights_are_ignored()
    {
        // model.fit(x, y, sample_weight=w) with w = 0 on the samples that disagree: the fit follows the others only.
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 6, 1);
        var y = Tensor.FromArray([3f, 6f, -40f, 12f, 50f, 18f], 6, 1);   // y = 3x except samples 2 and 4
        var w = Tensor.FromArray([1f, 1f, 0f, 1f, 0f, 1f]);
        var model = new Sequential(new Dense(1, useBias: false, kernelInitializer: new Constant(0f), inputShape: [1]));
        model.Compile(new SGD(learningRate: 0.02f), "mse");
        model.Fit(x, y, batchSize: 6, epochs: 200, verbose: 0, sampleWeight: w, shuffle: false);
        Assert.Equal(3f, model.GetWeights()[0][0], 3);
    }

    [Fact]
    public void A_class_weight_is_the_sample_weight_of_its_class()
    {
        // model.fit(x, labels, class_weight={0: 1.0, 1: 5.0})  ==  model.fit(x, labels, sample_weight=[5 if l == 1 else 1 ...])
        var rng = new RandomGenerator(4);
        var x = Tensor.RandomNormal([12, 3], generator: rng);
        var labels = Tensor.FromArray([0f, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        var sampleWeight = Tensor.FromArray(labels.ToArray().Select(l => l == 1 ? 5f : 1f).ToArray());
        Sequential Make()
        {
            var m = new Sequential(new Dense(2, activation: "softmax", kernelInitializer: new GlorotUniform(seed: 8), inputShape: [3]));
            m.Compile(new SGD(learningRate: 0.1f), "sparse_categorical_crossentropy", weightedMetrics: ["accuracy"]);
            return m;
        }
        var byClass = Make();
        var bySample = Make();
        var h1 = byClass.Fit(x, labels, batchSize: 4, epochs: 3, verbose: 0, seed: 1, classWeight: new Dictionary<int, double> { [0] = 1, [1] = 5 });
        var h2 = bySample.Fit(x, labels, batchSize: 4, epochs: 3, verbose: 0, seed: 1, sampleWeight: sampleWeight);
        Assert.Equal(h2["loss"], h1["loss"]);
        Assert.Equal(h2["accuracy"], h1["accuracy"]);
        Assert.Equal(bySample.GetWeights()[0], byClass.GetWeights()[0]);
        // One-hot targets: the class is the arg-max of the row, as Keras.
        var oneHot = Tensor.FromArray(labels.ToArray().SelectMany(l => l == 1 ? new[] { 0f, 1f } : [1f, 0f]).ToArray(), 12, 2);
        Assert.Equal(sampleWeight.ToArray(), SampleWeights.FromClassWeights(oneHot, new Dictionary<int, double> { [1] = 5 }, "test").ToArray());
    }

    [Fact]
    public void Bad_weights_are_refused_with_the_shapes()
    {
        var model = Frozen();
        var e = Assert.Throws<ArgumentException>(() => model.Fit(X, Y, verbose: 0, sampleWeight: Tensor.Ones(3)));
        Assert.Contains("one weight per sample, shape (4)", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit(X, Y, verbose: 0, sampleWeight: W, classWeight: new Dictionary<int, double> { [0] = 2 }));
        Assert.Contains("either sampleWeight or classWeight", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Evaluate(X, Y, verbose: 0, sampleWeight: Tensor.FromArray([1f, -1f, 1f, 1f])));
        Assert.Contains("sampleWeight[1] is -1", e.Message);
    }

    [Fact]
    public void Validation_split_keeps_the_weights_of_the_held_out_samples()
    {
        // model.fit(x, y, sample_weight=w, validation_split=0.5): Keras splits w with x and y; val_loss is weighted.
        var model = Frozen();
        var history = model.Fit(X, Y, batchSize: 2, epochs: 1, verbose: 0, validationSplit: 0.5, sampleWeight: W, shuffle: false);
        Assert.Equal((0.5 * 0 + 2 * 4) / 2.0, history["val_loss"][0], 6);
        Assert.Equal((1 * 0 + 3 * 1) / 2.0, history["loss"][0], 6);
    }
}
