using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Recreates layers from their saved Keras-style configuration (<c>class_name</c> + <c>config</c>), for
/// <c>Model.Load</c>: a map from class name to the layer's <c>FromConfig</c>. Register your own layer types
/// to load models that use them.
/// </summary>
public static class LayerRegistry
{
    private static readonly Dictionary<string, Func<JsonObject, Layer>> Factories = new(StringComparer.Ordinal)
    {
        ["InputLayer"] = Input.FromConfig,
        [nameof(Dense)] = Dense.FromConfig,
        [nameof(Embedding)] = Embedding.FromConfig,
        [nameof(PositionEmbedding)] = PositionEmbedding.FromConfig,
        [nameof(Masking)] = Masking.FromConfig,
        [nameof(Activation)] = Activation.FromConfig,
        [nameof(LeakyReLU)] = LeakyReLU.FromConfig,
        [nameof(Conv1D)] = Conv1D.FromConfig,
        [nameof(Conv2D)] = Conv2D.FromConfig,
        [nameof(Conv2DTranspose)] = Conv2DTranspose.FromConfig,
        [nameof(DepthwiseConv2D)] = DepthwiseConv2D.FromConfig,
        [nameof(SeparableConv2D)] = SeparableConv2D.FromConfig,
        [nameof(MaxPooling1D)] = MaxPooling1D.FromConfig,
        [nameof(AveragePooling1D)] = AveragePooling1D.FromConfig,
        [nameof(GlobalMaxPooling1D)] = GlobalMaxPooling1D.FromConfig,
        [nameof(GlobalAveragePooling1D)] = GlobalAveragePooling1D.FromConfig,
        [nameof(MaxPooling2D)] = MaxPooling2D.FromConfig,
        [nameof(AveragePooling2D)] = AveragePooling2D.FromConfig,
        [nameof(GlobalMaxPooling2D)] = GlobalMaxPooling2D.FromConfig,
        [nameof(GlobalAveragePooling2D)] = GlobalAveragePooling2D.FromConfig,
        [nameof(SimpleRNN)] = SimpleRNN.FromConfig,
        [nameof(LSTM)] = LSTM.FromConfig,
        [nameof(GRU)] = GRU.FromConfig,
        [nameof(Bidirectional)] = Bidirectional.FromConfig,
        [nameof(TimeDistributed)] = TimeDistributed.FromConfig,
        [nameof(BatchNormalization)] = BatchNormalization.FromConfig,
        [nameof(LayerNormalization)] = LayerNormalization.FromConfig,
        [nameof(GroupNormalization)] = GroupNormalization.FromConfig,
        [nameof(UnitNormalization)] = UnitNormalization.FromConfig,
        [nameof(Attention)] = Attention.FromConfig,
        [nameof(AdditiveAttention)] = AdditiveAttention.FromConfig,
        [nameof(MultiHeadAttention)] = MultiHeadAttention.FromConfig,
        [nameof(Add)] = Add.FromConfig,
        [nameof(Subtract)] = Subtract.FromConfig,
        [nameof(Multiply)] = Multiply.FromConfig,
        [nameof(Average)] = Average.FromConfig,
        [nameof(Concatenate)] = Concatenate.FromConfig,
        [nameof(Flatten)] = Flatten.FromConfig,
        [nameof(Reshape)] = Reshape.FromConfig,
        [nameof(ZeroPadding1D)] = ZeroPadding1D.FromConfig,
        [nameof(ZeroPadding2D)] = ZeroPadding2D.FromConfig,
        [nameof(Cropping1D)] = Cropping1D.FromConfig,
        [nameof(Cropping2D)] = Cropping2D.FromConfig,
        [nameof(UpSampling1D)] = UpSampling1D.FromConfig,
        [nameof(UpSampling2D)] = UpSampling2D.FromConfig,
        [nameof(Rescaling)] = Rescaling.FromConfig,
        [nameof(Normalization)] = Normalization.FromConfig,
        [nameof(TextVectorization)] = TextVectorization.FromConfig,
        [nameof(Resizing)] = Resizing.FromConfig,
        [nameof(CenterCrop)] = CenterCrop.FromConfig,
        [nameof(RandomFlip)] = RandomFlip.FromConfig,
        [nameof(RandomRotation)] = RandomRotation.FromConfig,
        [nameof(RandomTranslation)] = RandomTranslation.FromConfig,
        [nameof(RandomZoom)] = RandomZoom.FromConfig,
        [nameof(RandomContrast)] = RandomContrast.FromConfig,
        [nameof(Dropout)] = Dropout.FromConfig,
        [nameof(SpatialDropout2D)] = SpatialDropout2D.FromConfig,
    };

    /// <summary>Registers (or replaces) how to recreate layers saved with <paramref name="className"/>.</summary>
    public static void Register(string className, Func<JsonObject, Layer> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(className);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Factories) Factories[className] = factory;
    }

    /// <summary>Whether layers saved with <paramref name="className"/> can be recreated (built in or registered).</summary>
    internal static bool Knows(string className)
    {
        lock (Factories) return Factories.ContainsKey(className);
    }

    /// <summary>Recreates a layer from <c>{"class_name": ..., "config": {...}}</c>; other keys are refused.</summary>
    /// <exception cref="FormatException">
    /// The object is not a saved layer, names a class that is not registered, or the layer's configuration is not
    /// valid (an unknown key, a value of the wrong type); the message names the layer and the key.
    /// </exception>
    public static Layer Create(JsonObject node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var entry = new ConfigReader(node, "A saved layer");
        return entry.Finish(Create(entry));
    }

    /// <summary>
    /// Recreates the layer of an entry whose <paramref name="entry"/> reader may know more keys than
    /// class_name and config (a functional model's layers list their calls beside them); the caller finishes it.
    /// </summary>
    internal static Layer Create(ConfigReader entry)
    {
        string className = entry.Required<string>("class_name");
        var config = entry.Object("config") ?? throw new FormatException($"The saved layer '{className}' has no config.");
        Func<JsonObject, Layer>? factory;
        lock (Factories) Factories.TryGetValue(className, out factory);
        if (factory is null)
            throw new FormatException($"Unknown layer type '{className}' in the saved model; register it with LayerRegistry.Register(\"{className}\", ...).");
        var layer = factory(config);
        bool trainable = new ConfigReader(config, className).Optional("trainable", true);
        // A model's flag reaches all its layers when set; its layers were restored with their own flags
        // already, so only a frozen model (whose layers are all frozen) sets it.
        if (!layer.IsModel || !trainable) layer.Trainable = trainable;
        return layer;
    }
}
