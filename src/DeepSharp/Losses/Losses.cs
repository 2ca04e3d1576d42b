using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>The built-in losses by Keras name (and their Keras aliases: "mse", "mae", "kld", ...).</summary>
public static class Losses
{
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

    /// <summary>
    /// Recreates a loss from what <see cref="Loss.GetConfig"/> wrote: <c>{"name": ..., "from_logits": ...}</c>
    /// (the cross-entropies), <c>{"name": "huber", "delta": ...}</c>, or <c>{"name": ...}</c>; or from a name alone,
    /// as Keras compiles with one. A loss registered with <see cref="CustomObjects"/> under that name comes first and
    /// is given the whole object. Strict otherwise: unknown keys and values of the wrong type are refused.
    /// </summary>
    /// <exception cref="FormatException">The configuration is not one of a loss DeepSharp knows.</exception>
    public static Loss FromConfig(JsonNode config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config is JsonValue value && value.GetValueKind() == JsonValueKind.String) return ByName(value.GetValue<string>());
        if (config is not JsonObject obj)
            throw new FormatException($"A saved loss is {ConfigReader.Found(config)}; expected a loss name or {{\"name\": ..., ...}}.");
        var r = new ConfigReader(obj, "Loss");
        string name = r.Required<string>("name");
        // A registered loss reads its own configuration: its keys are not ours to judge.
        if (CustomObjects.TryCreate<Loss>(name, obj, out var custom)) return custom;
        var loss = ByName(name);
        loss = loss switch
        {
            SparseCategoricalCrossentropy => new SparseCategoricalCrossentropy(r.Optional("from_logits", false)),
            CategoricalCrossentropy => new CategoricalCrossentropy(r.Optional("from_logits", false)),
            BinaryCrossentropy => new BinaryCrossentropy(r.Optional("from_logits", false)),
            Crossentropy => new Crossentropy(r.Optional("from_logits", false)),
            Huber => Checked(() => new Huber(r.Optional("delta", 1f))),
            _ => loss,
        };
        return r.Finish(loss);
    }

    private static Loss ByName(string name) => Checked(() => Get(name));

    private static Loss Checked(Func<Loss> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"Loss: {e.Message}", e);
        }
    }
}
