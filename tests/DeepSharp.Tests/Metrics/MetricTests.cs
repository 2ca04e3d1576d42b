namespace DeepSharp.Tests.Metrics;

public class MetricTests
{
    private static readonly Tensor Predictions = Tensor.FromArray(
    [
        0.1f, 0.7f, 0.2f,
        0.5f, 0.3f, 0.2f,
        0.2f, 0.3f, 0.5f,
        0.3f, 0.4f, 0.3f,
    ], 4, 3);

    [Fact]
    public void Sparse_categorical_accuracy_counts_argmax_hits_across_batches()
    {
        var metric = new SparseCategoricalAccuracy();
        metric.UpdateState(Tensor.FromArray([1f, 0f, 1f, 2f]), Predictions);       // hits: rows 0, 1
        Assert.Equal(0.5, metric.Result(), 10);
        metric.UpdateState(Tensor.FromArray([1f, 0f, 2f, 1f]), Predictions);       // hits: all 4
        Assert.Equal(6.0 / 8, metric.Result(), 10);
        metric.ResetState();
        Assert.Equal(0, metric.Result());
    }

    [Fact]
    public void A_ratio_metric_gives_its_totals_and_takes_summed_ones()
    {
        var a = new SparseCategoricalAccuracy();
        var b = new SparseCategoricalAccuracy();
        a.UpdateState(Tensor.FromArray([1f, 0f, 1f, 2f]), Predictions);       // 2 of 4
        b.UpdateState(Tensor.FromArray([1f, 0f, 2f, 1f]), Predictions);       // 4 of 4
        Assert.Equal([2.0, 4.0], a.GetState());
        double[] sum = [.. a.GetState().Zip(b.GetState(), (x, y) => x + y)];
        a.SetState(sum);
        Assert.Equal(6.0 / 8, a.Result(), 10);
        Assert.Contains("its state is 2 values (numerator, denominator); got 1", Assert.Throws<ArgumentException>(() => a.SetState([1.0])).Message);

        // "accuracy" outside Compile decides its kind from the first batch, then keeps that one's totals.
        var accuracy = new Accuracy();
        Assert.Equal([0.0, 0.0], accuracy.GetState());
        accuracy.UpdateState(Tensor.FromArray([1f, 0f, 1f, 2f]), Predictions);
        accuracy.SetState([3.0, 4.0]);
        Assert.Equal(0.75, accuracy.Result(), 10);
        Assert.Throws<InvalidOperationException>(() => new Accuracy().SetState([1.0, 2.0]));
    }

    [Fact]
    public void Categorical_and_top_k_accuracy()
    {
        var onehot = Tensor.FromArray([0f, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0], 4, 3);
        var categorical = new CategoricalAccuracy();
        categorical.UpdateState(onehot, Predictions);
        Assert.Equal(0.5, categorical.Result(), 10); // rows 0 and 2
        var top2 = new TopKCategoricalAccuracy(k: 2);
        top2.UpdateState(onehot, Predictions);
        Assert.Equal(0.75, top2.Result(), 10);       // row 1's label (2) is third
        var sparseTop2 = new SparseTopKCategoricalAccuracy(k: 2);
        sparseTop2.UpdateState(Tensor.FromArray([1f, 2f, 2f, 0f]), Predictions);
        Assert.Equal(0.75, sparseTop2.Result(), 10);
    }

    [Fact]
    public void Binary_accuracy_thresholds_at_one_half()
    {
        var metric = new BinaryAccuracy();
        metric.UpdateState(Tensor.FromArray([1f, 0f, 1f, 0f]), Tensor.FromArray([0.9f, 0.2f, 0.4f, 0.6f]));
        Assert.Equal(0.5, metric.Result(), 10);
    }

    [Fact]
    public void Accuracy_resolves_from_the_loss_like_keras()
    {
        Metric accuracy = "accuracy";
        Assert.IsType<SparseCategoricalAccuracy>(accuracy.ResolveFor(new SparseCategoricalCrossentropy()));
        Assert.IsType<CategoricalAccuracy>(accuracy.ResolveFor(new CategoricalCrossentropy()));
        Assert.IsType<BinaryAccuracy>(accuracy.ResolveFor(new BinaryCrossentropy()));
        Assert.Equal("accuracy", accuracy.ResolveFor(new SparseCategoricalCrossentropy()).Name);
        Assert.Equal("acc", ((Metric)"acc").ResolveFor(new SparseCategoricalCrossentropy()).Name);
    }

    [Fact]
    public void Regression_metrics_average_over_elements()
    {
        var mse = new MeanSquaredErrorMetric();
        var mae = new MeanAbsoluteErrorMetric();
        var t = Tensor.FromArray([1f, 2f, 3f, 4f]);
        var p = Tensor.FromArray([1f, 3f, 1f, 4f]);
        mse.UpdateState(t, p);
        mae.UpdateState(t, p);
        Assert.Equal(5.0 / 4, mse.Result(), 10);
        Assert.Equal(3.0 / 4, mae.Result(), 10);
    }

    [Fact]
    public void Unknown_metric_name_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => DeepSharp.Metrics.Get("precision_at_7"));
        Assert.Contains("precision_at_7", e.Message);
        Assert.Contains("sparse_categorical_accuracy", e.Message);
    }
}

public class MetricStateTests
{
    [Fact]
    public void A_ratio_metric_continues_from_a_saved_state()
    {
        var a = new SparseCategoricalAccuracy();
        a.UpdateState(Tensor.FromArray([0f, 1f]), Tensor.FromArray(new float[,] { { 0.9f, 0.1f }, { 0.8f, 0.2f } }));
        var state = a.GetState();
        var b = new SparseCategoricalAccuracy();
        b.SetState(state);
        Assert.Equal([1.0, 2.0], state);
        Assert.Equal(a.Result(), b.Result());
        Assert.Throws<ArgumentException>(() => b.SetState([1.0]));
    }

    [Fact]
    public void A_metric_that_keeps_no_totals_has_an_empty_state_and_takes_only_that()
    {
        var metric = new LastBatchMean();
        metric.UpdateState(Tensor.FromArray([1f, 3f]), Tensor.FromArray([0f, 0f]));
        Assert.Empty(metric.GetState());
        metric.SetState([]);
        Assert.Equal(2, metric.Result());
        Assert.Contains("keeps no running totals", Assert.Throws<ArgumentException>(() => metric.SetState([1.0, 2.0])).Message);
    }

    /// <summary>A user's metric that overrides nothing of the state API.</summary>
    private sealed class LastBatchMean() : Metric("last_batch_mean")
    {
        private double _mean;

        public override void UpdateState(Tensor yTrue, Tensor yPred) => _mean = yTrue.ToArray().Average();

        public override double Result() => _mean;

        public override void ResetState() => _mean = 0;
    }
}
