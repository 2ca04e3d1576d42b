using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Recreates layers from their saved Keras-style configuration (<c>class_name</c> + <c>config</c>), for
/// <c>Model.Load</c>. Register your own layer types to load models that use them.
/// </summary>
public static partial class LayerRegistry
{
    private static readonly Dictionary<string, Func<JsonObject, Layer>> Factories = new(StringComparer.Ordinal);

    static LayerRegistry()
    {
        Register("InputLayer", c =>
        {
            var r = new ConfigReader(c, "InputLayer");
            var shape = c["batch_shape"] is JsonArray batch
                ? new TensorShape(batch.Skip(1).Select(n => n!.GetValue<int>()).ToArray())
                : r.InputShape ?? throw new FormatException("InputLayer: the saved configuration has no shape.");
            return new Input(shape, r.Name);
        });
        Register(nameof(Dense), c =>
        {
            var r = new ConfigReader(c, nameof(Dense));
            return new Dense(r.Required<int>("units"), r.Activation(), r.Optional("use_bias", true),
                r.Initializer("kernel_initializer", new GlorotUniform()), r.Initializer("bias_initializer", new Zeros()),
                r.Regularizer("kernel_regularizer"), r.Regularizer("bias_regularizer"), r.Regularizer("activity_regularizer"),
                r.Name, r.InputShape);
        });
        Register(nameof(Flatten), c => { var r = new ConfigReader(c, nameof(Flatten)); return new Flatten(r.Name, r.InputShape); });
        Register(nameof(Activation), c => { var r = new ConfigReader(c, nameof(Activation)); return new Activation(r.Activation(), r.Name, r.InputShape); });
        Register(nameof(Dropout), c =>
        {
            var r = new ConfigReader(c, nameof(Dropout));
            return new Dropout(r.Required<float>("rate"), c["seed"]?.GetValue<long>(), r.Name, r.InputShape);
        });
        Register(nameof(LeakyReLU), c =>
        {
            // Keras 3 saves "negative_slope"; Keras 2 saved the same number as "alpha".
            var r = new ConfigReader(c, nameof(LeakyReLU));
            return new LeakyReLU(r.Optional("negative_slope", r.Optional("alpha", 0.3f)), r.Name, r.InputShape);
        });
        Register(nameof(Reshape), c => { var r = new ConfigReader(c, nameof(Reshape)); return new Reshape(r.IntArray("target_shape"), r.Name, r.InputShape); });
        Register(nameof(Sequential), c =>
        {
            var r = new ConfigReader(c, nameof(Sequential));
            var layers = c["layers"] as JsonArray ?? throw new FormatException("Sequential: the saved configuration has no 'layers'.");
            return new Sequential(layers.Select(l => Create((JsonObject)l!)), r.Name);
        });
        Register("Functional", Model.FromFunctionalConfig);
        Register(nameof(Model), Model.FromFunctionalConfig);
        Register(nameof(Add), c => new Add(new ConfigReader(c, nameof(Add)).Name));
        Register(nameof(Subtract), c => new Subtract(new ConfigReader(c, nameof(Subtract)).Name));
        Register(nameof(Multiply), c => new Multiply(new ConfigReader(c, nameof(Multiply)).Name));
        Register(nameof(Average), c => new Average(new ConfigReader(c, nameof(Average)).Name));
        Register(nameof(Concatenate), c =>
        {
            var r = new ConfigReader(c, nameof(Concatenate));
            return new Concatenate(r.Optional("axis", -1), r.Name);
        });
        RegisterImageLayers();
        RegisterRecurrentLayers();
    }

    /// <summary>Registers (or replaces) how to recreate layers saved with <paramref name="className"/>.</summary>
    public static void Register(string className, Func<JsonObject, Layer> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(className);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Factories) Factories[className] = factory;
    }

    /// <summary>Recreates a layer from <c>{"class_name": ..., "config": {...}}</c>.</summary>
    public static Layer Create(JsonObject node)
    {
        ArgumentNullException.ThrowIfNull(node);
        string className = node["class_name"]?.GetValue<string>() ?? throw new FormatException("A saved layer has no class_name.");
        var config = node["config"] as JsonObject ?? throw new FormatException($"The saved layer '{className}' has no config.");
        Func<JsonObject, Layer>? factory;
        lock (Factories) Factories.TryGetValue(className, out factory);
        if (factory is null)
            throw new FormatException($"Unknown layer type '{className}' in the saved model; register it with LayerRegistry.Register(\"{className}\", ...).");
        var layer = factory(config);
        bool trainable = config["trainable"]?.GetValue<bool>() ?? true;
        // A model's flag reaches all its layers when set; its layers were restored with their own flags
        // already, so only a frozen model (whose layers are all frozen) sets it.
        if (layer is not Model || !trainable) layer.Trainable = trainable;
        return layer;
    }
}
