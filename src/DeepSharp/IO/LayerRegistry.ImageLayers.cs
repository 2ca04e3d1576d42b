using System.Text.Json.Nodes;

namespace DeepSharp;

public static partial class LayerRegistry
{
    /// <summary>The convolution, pooling, normalization and resampling layers, as Keras saves them.</summary>
    private static void RegisterImageLayers()
    {
        Register(nameof(Conv2D), c =>
        {
            var r = Reader(c, nameof(Conv2D));
            RequireSingleGroup(c, nameof(Conv2D));
            return new Conv2D(r.Required<int>("filters"), Size(c, "kernel_size", null), Size(c, "strides", 1), r.Optional("padding", "valid"),
                Size(c, "dilation_rate", 1), r.Activation(), r.Optional("use_bias", true),
                r.Initializer("kernel_initializer", new GlorotUniform()), r.Initializer("bias_initializer", new Zeros()),
                r.Regularizer("kernel_regularizer"), r.Regularizer("bias_regularizer"), r.Regularizer("activity_regularizer"),
                r.Name, r.InputShape);
        });
        Register(nameof(Conv2DTranspose), c =>
        {
            var r = Reader(c, nameof(Conv2DTranspose));
            Size2D? outputPadding = c["output_padding"] is null ? null : Size(c, "output_padding", null);
            return new Conv2DTranspose(r.Required<int>("filters"), Size(c, "kernel_size", null), Size(c, "strides", 1), r.Optional("padding", "valid"),
                outputPadding, Size(c, "dilation_rate", 1), r.Activation(), r.Optional("use_bias", true),
                r.Initializer("kernel_initializer", new GlorotUniform()), r.Initializer("bias_initializer", new Zeros()),
                r.Regularizer("kernel_regularizer"), r.Regularizer("bias_regularizer"), r.Regularizer("activity_regularizer"),
                r.Name, r.InputShape);
        });
        Register(nameof(MaxPooling2D), c =>
        {
            var r = Reader(c, nameof(MaxPooling2D));
            var pool = Size(c, "pool_size", 2);
            return new MaxPooling2D(pool, c["strides"] is null ? pool : Size(c, "strides", null), r.Optional("padding", "valid"), r.Name, r.InputShape);
        });
        Register(nameof(AveragePooling2D), c =>
        {
            var r = Reader(c, nameof(AveragePooling2D));
            var pool = Size(c, "pool_size", 2);
            return new AveragePooling2D(pool, c["strides"] is null ? pool : Size(c, "strides", null), r.Optional("padding", "valid"), r.Name, r.InputShape);
        });
        Register(nameof(GlobalAveragePooling2D), c =>
        {
            var r = Reader(c, nameof(GlobalAveragePooling2D));
            return new GlobalAveragePooling2D(r.Optional("keepdims", false), r.Name, r.InputShape);
        });
        Register(nameof(GlobalMaxPooling2D), c =>
        {
            var r = Reader(c, nameof(GlobalMaxPooling2D));
            return new GlobalMaxPooling2D(r.Optional("keepdims", false), r.Name, r.InputShape);
        });
        Register(nameof(BatchNormalization), c =>
        {
            var r = new ConfigReader(c, nameof(BatchNormalization));
            int axis = c["axis"] switch
            {
                null => -1,
                JsonArray { Count: 1 } single => single[0]!.GetValue<int>(),
                JsonArray => throw new FormatException("BatchNormalization: normalizing over several axes is not supported; give one channel axis."),
                var value => value.GetValue<int>(),
            };
            return new BatchNormalization(axis, r.Optional("momentum", 0.99f), r.Optional("epsilon", 1e-3f), r.Optional("center", true), r.Optional("scale", true),
                r.Initializer("beta_initializer", new Zeros()), r.Initializer("gamma_initializer", new Ones()),
                r.Initializer("moving_mean_initializer", new Zeros()), r.Initializer("moving_variance_initializer", new Ones()),
                r.Regularizer("beta_regularizer"), r.Regularizer("gamma_regularizer"), r.Name, r.InputShape);
        });
        Register(nameof(ZeroPadding2D), c =>
        {
            var r = Reader(c, nameof(ZeroPadding2D));
            return c["padding"] switch
            {
                JsonArray { Count: 2 } pair when pair[0] is JsonArray top && pair[1] is JsonArray left =>
                    new ZeroPadding2D((top[0]!.GetValue<int>(), top[1]!.GetValue<int>()), (left[0]!.GetValue<int>(), left[1]!.GetValue<int>()), r.Name, r.InputShape),
                _ => new ZeroPadding2D(Size(c, "padding", 1), r.Name, r.InputShape),
            };
        });
        Register(nameof(UpSampling2D), c =>
        {
            var r = Reader(c, nameof(UpSampling2D));
            return new UpSampling2D(Size(c, "size", 2), r.Optional("interpolation", "nearest"), r.Name, r.InputShape);
        });
        Register(nameof(SpatialDropout2D), c =>
        {
            var r = Reader(c, nameof(SpatialDropout2D));
            return new SpatialDropout2D(r.Required<float>("rate"), c["seed"]?.GetValue<long>(), r.Name, r.InputShape);
        });
    }

    /// <summary>A reader for an image layer's configuration, refusing layouts other than channels-last.</summary>
    private static ConfigReader Reader(JsonObject config, string owner)
    {
        ImageLayers.RequireChannelsLast(config, owner);
        return new ConfigReader(config, owner);
    }

    /// <summary>A (height, width) pair saved as [h, w] or one integer; <paramref name="fallback"/> when absent (null: required).</summary>
    private static Size2D Size(JsonObject config, string key, Size2D? fallback) =>
        config[key] is { } node ? ImageLayers.SizeFromJson(node, config["name"]?.GetValue<string>() ?? "layer", key)
        : fallback ?? throw new FormatException($"The saved layer '{config["name"]?.GetValue<string>()}' has no '{key}'.");

    private static void RequireSingleGroup(JsonObject config, string owner)
    {
        if (config["groups"] is { } groups && groups.GetValue<int>() != 1)
            throw new FormatException($"{owner}: grouped convolutions (groups = {groups.GetValue<int>()}) are not supported.");
    }
}
