using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Your own losses, metrics, activations, initializers and regularizers by name, as Keras'
/// <c>custom_objects</c> / <c>register_keras_serializable</c>: once registered, the name works wherever a
/// built-in name does — <c>Compile(loss: "my_loss")</c>, <c>activation: "mish"</c>, a layer's saved config,
/// and <c>Model.Load</c> of a model compiled with it. Layers have their own registry, <c>LayerRegistry</c>.
/// </summary>
/// <example>
/// <code>
/// CustomObjects.Register&lt;Loss&gt;("focal", () => new FocalLoss());                   // custom_objects={"focal": FocalLoss}
/// CustomObjects.Register&lt;ActivationFunction&gt;("mish", () => new("mish", x => x * Ops.Tanh(Ops.Softplus(x))));
/// </code>
/// </example>
public static class CustomObjects
{
    private static readonly Dictionary<(Type Kind, string Name), Func<JsonObject, object>> Factories = [];

    /// <summary>
    /// Registers (or replaces) how to make the <typeparamref name="T"/> (<c>Loss</c>, <c>Metric</c>,
    /// <c>ActivationFunction</c>, <c>Initializer</c>, <c>Regularizer</c>) called <paramref name="name"/>.
    /// </summary>
    public static void Register<T>(string name, Func<T> factory) where T : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        Register<T>(name, _ => factory());
    }

    /// <summary>
    /// Registers a factory that reads the saved arguments: the <c>config</c> the object's <c>GetConfig</c> wrote
    /// (an empty object when the name is given as a string).
    /// </summary>
    public static void Register<T>(string name, Func<JsonObject, T> factory) where T : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Factories) Factories[(typeof(T), name)] = config => factory(config);
    }

    /// <summary>Removes a registration; returns whether there was one.</summary>
    public static bool Unregister<T>(string name) where T : class
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (Factories) return Factories.Remove((typeof(T), name));
    }

    /// <summary>Whether a <typeparamref name="T"/> is registered under <paramref name="name"/>.</summary>
    public static bool IsRegistered<T>(string name) where T : class
    {
        ArgumentNullException.ThrowIfNull(name);
        return Find<T>(name) is not null;
    }

    /// <summary>Makes the registered <typeparamref name="T"/> called <paramref name="name"/>, if there is one.</summary>
    internal static bool TryCreate<T>(string name, out T value) where T : class => TryCreate(name, [], out value);

    /// <summary>Makes the registered <typeparamref name="T"/> from its saved <paramref name="config"/>, if there is one.</summary>
    internal static bool TryCreate<T>(string name, JsonObject config, out T value) where T : class
    {
        value = null!;
        if (Find<T>(name) is not { } factory) return false;
        value = factory(config) as T
            ?? throw new InvalidOperationException($"CustomObjects: the factory registered for {typeof(T).Name} '{name}' returned null.");
        return true;
    }

    /// <summary>The factory for <paramref name="name"/> as written, else as its snake_case form ("MyLoss" finds "my_loss").</summary>
    private static Func<JsonObject, object>? Find<T>(string name)
    {
        lock (Factories)
        {
            if (Factories.TryGetValue((typeof(T), name), out var factory)) return factory;
            var snake = KerasNames.ToSnakeCase(name);
            foreach (var ((kind, registered), candidate) in Factories)
                if (kind == typeof(T) && KerasNames.ToSnakeCase(registered) == snake) return candidate;
            return null;
        }
    }
}
