using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// What max and average pooling share, as Keras' <c>BasePooling</c>: window size, strides and padding,
/// checked once, over channels-last images (batch, height, width, channels), and the output shape.
/// </summary>
public abstract class Pooling2D : Layer
{
    private protected Pooling2D(Size2D? poolSize, Size2D? strides, string padding, string? name, TensorShape? inputShape)
        : base(name, inputShape)
    {
        string kind = GetType().Name;
        PoolSize = (poolSize ?? 2).RequirePositive(kind, "poolSize");
        Strides = (strides ?? PoolSize).RequirePositive(kind, "strides");
        Padding = ImageLayers.Padding(kind, padding);
        SamePadding = Padding == "same";
    }

    /// <summary>Window size (height, width).</summary>
    public Size2D PoolSize { get; }

    /// <summary>Step between windows.</summary>
    public Size2D Strides { get; }

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>Whether the padding is "same".</summary>
    private protected bool SamePadding { get; }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        var (height, _) = Ops.WindowOutput(inputShape[0], PoolSize.Height, Strides.Height, 1, SamePadding);
        var (width, _) = Ops.WindowOutput(inputShape[1], PoolSize.Width, Strides.Width, 1, SamePadding);
        if (height <= 0 || width <= 0)
            throw new ArgumentException(
                $"{ClassName} '{Name}': the pool size {PoolSize} is larger than the input {FormatBatch(inputShape)} " +
                "with \"valid\" padding. Use padding: \"same\" or a smaller pool.");
        return [height, width, inputShape[2]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = ImageLayers.ToJson(PoolSize);
        config["padding"] = Padding;
        config["strides"] = ImageLayers.ToJson(Strides);
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>Reads the arguments <see cref="GetConfig"/> saved and makes the layer with <paramref name="create"/>.</summary>
    private protected static T FromConfig<T>(JsonObject config, Func<Size2D?, Size2D?, string, string?, TensorShape?, T> create)
        where T : Pooling2D
    {
        var r = LayerConfigReader.ImageLayer(config, typeof(T).Name);
        return create(r.Size("pool_size"), r.Size("strides"), r.Optional("padding", ImageLayers.ValidPadding), r.Name, r.InputShape);
    }
}
