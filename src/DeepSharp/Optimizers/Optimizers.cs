namespace DeepSharp;

/// <summary>The built-in optimizers by Keras name.</summary>
public static class Optimizers
{
    /// <summary>The optimizer a Keras name ("sgd", "adam", ...) stands for, with Keras' defaults.</summary>
    public static Optimizer Get(string name) => Initializers.Normalize(name).Replace("_", "") switch
    {
        "sgd" => new SGD(),
        _ => throw new ArgumentException($"Unknown optimizer '{name}'. Known: sgd.", nameof(name)),
    };
}
