namespace DeepSharp;

/// <summary>
/// "accuracy" as Keras resolves it at compile time: sparse categorical accuracy with sparse categorical
/// cross-entropy, categorical accuracy with categorical cross-entropy, binary accuracy otherwise.
/// Its reported name stays as written ("accuracy" or "acc").
/// </summary>
public sealed class Accuracy(string name = "accuracy") : Metric(name)
{
    private Metric? _resolved;

    /// <inheritdoc/>
    public override Metric ResolveFor(Loss loss) => loss switch
    {
        SparseCategoricalCrossentropy => new SparseCategoricalAccuracy(Name),
        CategoricalCrossentropy or KLDivergence => new CategoricalAccuracy(Name),
        _ => new BinaryAccuracy(Name),
    };

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions)
    {
        // Used outside Compile: decide from shapes, as Keras 3 does.
        _resolved ??= predictions.Rank >= 1 && predictions.Shape[-1] > 1
            ? targets.Rank == predictions.Rank && targets.Shape[-1] == predictions.Shape[-1]
                ? new CategoricalAccuracy(Name) : new SparseCategoricalAccuracy(Name)
            : new BinaryAccuracy(Name);
        _resolved.UpdateState(targets, predictions);
    }

    /// <inheritdoc/>
    public override double Result() => _resolved?.Result() ?? 0;

    /// <inheritdoc/>
    public override void ResetState() => _resolved?.ResetState();
}

/// <summary>The share of rows whose largest prediction is at the integer label (Keras' sparse_categorical_accuracy).</summary>
public sealed class SparseCategoricalAccuracy(string name = "sparse_categorical_accuracy") : RatioMetric(name)
{
    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) =>
        Accumulate(MetricValues.CountArgMaxEqualsLabel(targets, predictions), predictions.Size / predictions.Shape[-1]);
}

/// <summary>The share of rows whose largest prediction is where the one-hot target is (Keras' categorical_accuracy).</summary>
public sealed class CategoricalAccuracy(string name = "categorical_accuracy") : RatioMetric(name)
{
    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) =>
        Accumulate(MetricValues.CountArgMaxMatches(targets, predictions), predictions.Size / predictions.Shape[-1]);
}

/// <summary>The share of elements where the prediction, thresholded at <see cref="Threshold"/>, equals the 0/1 target.</summary>
public sealed class BinaryAccuracy(string name = "binary_accuracy", float threshold = 0.5f) : RatioMetric(name)
{
    /// <summary>The decision threshold (Keras default 0.5).</summary>
    public float Threshold { get; } = threshold;

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) =>
        Accumulate(MetricValues.CountBinaryMatches(targets, predictions, Threshold), predictions.Size);
}

/// <summary>The share of rows whose one-hot target is among the <see cref="K"/> largest predictions.</summary>
public sealed class TopKCategoricalAccuracy(int k = 5, string name = "top_k_categorical_accuracy") : RatioMetric(name)
{
    /// <summary>How many of the largest predictions count (Keras default 5).</summary>
    public int K { get; } = k > 0 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) =>
        Accumulate(MetricValues.CountLabelInTopK(targets, predictions, K, labelsAreOneHot: true), predictions.Size / predictions.Shape[-1]);
}

/// <summary>The share of rows whose integer label is among the <see cref="K"/> largest predictions.</summary>
public sealed class SparseTopKCategoricalAccuracy(int k = 5, string name = "sparse_top_k_categorical_accuracy") : RatioMetric(name)
{
    /// <summary>How many of the largest predictions count (Keras default 5).</summary>
    public int K { get; } = k > 0 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) =>
        Accumulate(MetricValues.CountLabelInTopK(targets, predictions, K, labelsAreOneHot: false), predictions.Size / predictions.Shape[-1]);
}

/// <summary>Mean squared error as a metric.</summary>
public sealed class MeanSquaredErrorMetric(string name = "mean_squared_error") : RatioMetric(name)
{
    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) =>
        Accumulate(MetricValues.SumOfErrors(targets, predictions, squared: true), predictions.Size);
}

/// <summary>Mean absolute error as a metric.</summary>
public sealed class MeanAbsoluteErrorMetric(string name = "mean_absolute_error") : RatioMetric(name)
{
    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) =>
        Accumulate(MetricValues.SumOfErrors(targets, predictions, squared: false), predictions.Size);
}
