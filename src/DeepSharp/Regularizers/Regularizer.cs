using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A penalty on a weight (or a layer's output) added to the training loss, as Keras' regularizers.
/// Accepts a name where a regularizer is expected: <c>kernelRegularizer: "l2"</c>.
/// </summary>
public abstract class Regularizer
{
    /// <summary>The Keras name ("l1", "l2", "l1_l2").</summary>
    public abstract string Name { get; }

    /// <summary>The penalty for <paramref name="x"/>, a scalar tensor in the graph (so it is differentiated).</summary>
    public abstract Tensor Compute(Tensor x);

    /// <summary>The arguments that recreate this regularizer.</summary>
    public abstract JsonObject GetConfig();

    /// <summary>The regularizer a Keras name stands for, with Keras' default factor 0.01.</summary>
    public static implicit operator Regularizer(string name) => Get(name);

    /// <summary>The regularizer a Keras name stands for, with Keras' default factors.</summary>
    public static Regularizer Get(string name) => KerasNames.ToSnakeCase(name) switch
    {
        "l1" => new L1(),
        "l2" => new L2(),
        "l1_l2" or "l1l2" => new L1L2(0.01f, 0.01f),
        _ when CustomObjects.TryCreate<Regularizer>(name, out var custom) => custom,
        _ => throw new ArgumentException($"Unknown regularizer '{name}'. Known: l1, l2, l1_l2; or register your own with CustomObjects.Register.", nameof(name)),
    };

    /// <summary>
    /// Recreates a regularizer from the <c>{"class_name", "config"}</c> object a layer saved, strictly (unknown keys
    /// and values of the wrong type are refused; absent factors take Keras' defaults); <paramref name="owner"/>
    /// ("Dense 'd'.kernel_regularizer") names it in messages.
    /// </summary>
    /// <exception cref="FormatException">The configuration is not one of a regularizer DeepSharp knows.</exception>
    internal static Regularizer FromConfig(JsonObject node, string owner)
    {
        var outer = new ConfigReader(node, owner);
        string name = outer.Required<string>("class_name");
        var c = new ConfigReader(outer.Object("config") ?? [], $"{owner} ({name})");
        outer.Finish(0);
        // A registered regularizer reads its own configuration: its keys are not ours to judge.
        if (CustomObjects.TryCreate<Regularizer>(name, c.Json, out var custom)) return custom;
        try
        {
            return c.Finish<Regularizer>(name switch
            {
                nameof(L1) => new L1(c.Optional("l1", 0.01f)),
                nameof(L2) => new L2(c.Optional("l2", 0.01f)),
                nameof(L1L2) => new L1L2(c.Optional("l1", 0f), c.Optional("l2", 0f)),
                _ => throw new FormatException($"{owner}: unknown regularizer '{name}'; known: L1, L2, L1L2, or register it with CustomObjects.Register<Regularizer>(\"{name}\", ...)."),
            });
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{owner}: {e.Message}", e);
        }
    }

    /// <summary>Checks a regularization factor: finite and non-negative.</summary>
    protected static float CheckFactor(float value, string argument)
    {
        if (!float.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(argument, value, $"A regularization factor must be a finite number >= 0; got {value}.");
        return value;
    }
}
