namespace DeepSharp;

/// <summary>The built-in optimizers by Keras name.</summary>
public static class Optimizers
{
    /// <summary>The optimizer a Keras name ("sgd", "adam", ...) stands for, with Keras' defaults.</summary>
    public static Optimizer Get(string name) => Initializers.Normalize(name).Replace("_", "") switch
    {
        "sgd" => new SGD(),
        "adam" => new Adam(),
        "adamw" => new AdamW(),
        "rmsprop" => new RMSprop(),
        "adagrad" => new Adagrad(),
        "nadam" => new Nadam(),
        "adamax" => new Adamax(),
        "adadelta" => new Adadelta(),
        _ => throw new ArgumentException(
            $"Unknown optimizer '{name}'. Known: sgd, adam, adamw, rmsprop, adagrad, nadam, adamax, adadelta.", nameof(name)),
    };
}
