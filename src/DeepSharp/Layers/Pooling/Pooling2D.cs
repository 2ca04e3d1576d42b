using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Max and average pooling over channels-last images (batch, height, width, channels), as Keras'
/// <c>BasePooling</c>: window size, strides and padding, checked once, the output shape, and the pooling
/// op its mode picks.
/// </summary>
public abstract class Pooling2D : Layer
{
    private readonly PoolingMode _mode;

    private protected Pooling2D(PoolingMode mode, Size2D? poolSize, Size2D? strides, string padding, string? name, TensorShape? inputShape)
        : base(name, inputShape)
    {
        _mode = mode;
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

    private bool SamePadding { get; }

    /// <inheritdoc/>
    protected override string DefaultName => this is MaxPooling2D ? "max_pooling2d" : "average_pooling2d"; // asked before _mode is set

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => _mode == PoolingMode.Max
        ? Ops.MaxPool2D(inputs, PoolSize, Strides, SamePadding, Label)
        : Ops.AveragePool2D(inputs, PoolSize, Strides, SamePadding, Label);

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
        return r.Finish(create(r.Size("pool_size"), r.Size("strides"), r.Optional("padding", ImageLayers.ValidPadding), r.Name, r.InputShape));
    }
}
