using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>The built-in losses by Keras name (and their Keras aliases: "mse", "mae", "kld", ...).</summary>
public static class Losses
{
    /// <summary>
    /// Recreates a loss from the object its <see cref="Loss.GetConfig"/> wrote (its "name" and arguments): a loss
    /// registered with <see cref="CustomObjects"/> under that name first (given the config), else a built-in one.
    /// </summary>
    public static Loss FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        string name = config["name"]?.GetValue<string>() ?? throw new FormatException("A saved loss has no 'name'.");
        if (CustomObjects.TryCreate<Loss>(name, config, out var custom)) return custom;
        bool fromLogits = config["from_logits"]?.GetValue<bool>() ?? false;
        return KerasNames.ToSnakeCase(name) switch
        {
            "sparse_categorical_crossentropy" => new SparseCategoricalCrossentropy(fromLogits),
            "categorical_crossentropy" or "cce" => new CategoricalCrossentropy(fromLogits),
            "binary_crossentropy" or "bce" => new BinaryCrossentropy(fromLogits),
            "crossentropy" or "ce" => new Crossentropy(fromLogits),
            "huber" or "huber_loss" => new Huber(config["delta"]?.GetValue<float>() ?? 1f),
            _ => Get(name),
        };
    }

    /// <summary>The loss a Keras name stands for, with Keras' defaults, or one registered with <see cref="CustomObjects"/>.</summary>
    public static Loss Get(string name) => KerasNames.ToSnakeCase(name) switch
    {
        "mean_squared_error" or "mse" => new MeanSquaredError(),
        "mean_absolute_error" or "mae" => new MeanAbsoluteError(),
        "huber" or "huber_loss" => new Huber(),
        "binary_crossentropy" or "bce" => new BinaryCrossentropy(),
        "categorical_crossentropy" or "cce" => new CategoricalCrossentropy(),
        "sparse_categorical_crossentropy" => new SparseCategoricalCrossentropy(),
        "kl_divergence" or "kld" or "kullback_leibler_divergence" => new KLDivergence(),
        "crossentropy" or "ce" => new Crossentropy(),
        _ when CustomObjects.TryCreate<Loss>(name, out var custom) => custom,
        _ => throw new ArgumentException(
            $"Unknown loss '{name}'. Known: mean_squared_error (mse), mean_absolute_error (mae), huber, binary_crossentropy, " +
            "categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence (kld), crossentropy (ce, chosen from the shapes); " +
            "or register your own with CustomObjects.Register.", nameof(name)),
    };
}
