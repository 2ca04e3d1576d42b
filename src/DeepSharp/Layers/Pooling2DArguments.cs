using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>The arguments the 2-D pooling layers share, validated once: pool size, strides, padding.</summary>
internal sealed class Pooling2DArguments
{
    private readonly string _layerClass;
    private string? _label, _labelName;

    internal Pooling2DArguments(string layerClass, Size2D? poolSize, Size2D? strides, string padding)
    {
        _layerClass = layerClass;
        PoolSize = (poolSize ?? 2).RequirePositive(layerClass, "poolSize");
        Strides = (strides ?? PoolSize).RequirePositive(layerClass, "strides");
        Padding = ImageLayers.Padding(layerClass, padding);
    }

    internal Size2D PoolSize { get; }

    internal Size2D Strides { get; }

    internal string Padding { get; }

    internal bool Same => Padding == "same";

    internal TensorShape OutputShape(Layer layer, TensorShape inputShape)
    {
        ImageLayers.RequireImage(layer, inputShape);
        var (height, _) = Ops.WindowOutput(inputShape[0], PoolSize.Height, Strides.Height, 1, Same);
        var (width, _) = Ops.WindowOutput(inputShape[1], PoolSize.Width, Strides.Width, 1, Same);
        if (height <= 0 || width <= 0)
            throw new ArgumentException(
                $"{_layerClass} '{layer.Name}': the pool size {PoolSize} is larger than the input {Layer.FormatBatch(inputShape)} " +
                "with \"valid\" padding. Use padding: \"same\" or a smaller pool.");
        return [height, width, inputShape[2]];
    }

    /// <summary>"MaxPooling2D 'name'" for messages, made once per name.</summary>
    internal string Label(Layer layer)
    {
        if (!ReferenceEquals(_labelName, layer.Name))
        {
            _label = $"{_layerClass} '{layer.Name}'";
            _labelName = layer.Name;
        }
        return _label!;
    }

    internal JsonObject AddTo(JsonObject config)
    {
        config["pool_size"] = ImageLayers.ToJson(PoolSize);
        config["padding"] = Padding;
        config["strides"] = ImageLayers.ToJson(Strides);
        config["data_format"] = "channels_last";
        return config;
    }
}
