namespace DeepSharp;

/// <summary>The built-in losses by Keras name (and their Keras aliases: "mse", "mae", "kld", ...).</summary>
public static class Losses
{
    /// <summary>The loss a Keras name stands for, with Keras' defaults.</summary>
    public static Loss Get(string name) => KerasNames.ToSnakeCase(name) switch
    {
        "mean_squared_error" or "mse" => new MeanSquaredError(),
        "mean_absolute_error" or "mae" => new MeanAbsoluteError(),
        "huber" or "huber_loss" => new Huber(),
        "binary_crossentropy" or "bce" => new BinaryCrossentropy(),
        "categorical_crossentropy" or "cce" => new CategoricalCrossentropy(),
        "sparse_categorical_crossentropy" => new SparseCategoricalCrossentropy(),
        "kl_divergence" or "kld" or "kullback_leibler_divergence" => new KLDivergence(),
        _ => throw new ArgumentException(
            $"Unknown loss '{name}'. Known: mean_squared_error (mse), mean_absolute_error (mae), huber, binary_crossentropy, " +
            "categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence (kld).", nameof(name)),
    };
}
