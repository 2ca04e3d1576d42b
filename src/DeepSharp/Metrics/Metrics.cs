namespace DeepSharp;

/// <summary>The built-in metrics by Keras name.</summary>
public static class Metrics
{
    /// <summary>
    /// The metric a Keras name stands for ("accuracy", "sparse_categorical_accuracy", "top_k", "mse", "crossentropy", ...),
    /// or one registered with <see cref="CustomObjects"/> under that name.
    /// </summary>
    public static Metric Get(string name)
    {
        var key = KerasNames.ToSnakeCase(name);
        return key switch
        {
            "accuracy" or "acc" => new Accuracy(name),
            "sparse_categorical_accuracy" => new SparseCategoricalAccuracy(),
            "categorical_accuracy" => new CategoricalAccuracy(),
            "binary_accuracy" => new BinaryAccuracy(),
            "top_k" or "top_k_categorical_accuracy" => new TopKCategoricalAccuracy(),
            "sparse_top_k" or "sparse_top_k_categorical_accuracy" => new SparseTopKCategoricalAccuracy(),
            "mse" or "mean_squared_error" => new MeanSquaredErrorMetric(name),
            "mae" or "mean_absolute_error" => new MeanAbsoluteErrorMetric(name),
            "crossentropy" or "ce" => new LossMetric(new Crossentropy(), name),
            "binary_crossentropy" or "bce" => new LossMetric(new BinaryCrossentropy(), name),
            "categorical_crossentropy" or "cce" => new LossMetric(new CategoricalCrossentropy(), name),
            "sparse_categorical_crossentropy" => new LossMetric(new SparseCategoricalCrossentropy(), name),
            _ when CustomObjects.TryCreate<Metric>(name, out var custom) => custom,
            _ => throw new ArgumentException(
                $"Unknown metric '{name}'. Known: accuracy, sparse_categorical_accuracy, categorical_accuracy, binary_accuracy, " +
                "top_k_categorical_accuracy (top_k), sparse_top_k_categorical_accuracy, mse, mae, crossentropy (ce), binary_crossentropy, " +
                "categorical_crossentropy, sparse_categorical_crossentropy; or register your own with CustomObjects.Register.", nameof(name)),
        };
    }
}
