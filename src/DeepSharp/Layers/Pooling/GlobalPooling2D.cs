using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The global poolings, as Keras' <c>BaseGlobalPooling</c>: one value per channel over all pixels (the largest
/// or the mean, as its mode says), (batch, h, w, c) becoming (batch, c), or (batch, 1, 1, c) with <see cref="KeepDims"/>.
/// </summary>
public abstract class GlobalPooling2D : Layer
{
    /// <summary>Keras' default: the spatial axes are dropped.</summary>
    private protected const bool KeepDimsByDefault = false;

    private readonly PoolingMode _mode;

    private protected GlobalPooling2D(PoolingMode mode, bool keepDims, string? name, TensorShape? inputShape) : base(name, inputShape)
    {
        _mode = mode;
        KeepDims = keepDims;
    }

    /// <summary>Whether the spatial axes are kept as size 1.</summary>
    public bool KeepDims { get; }

    /// <inheritdoc/>
    protected override string DefaultName => this is GlobalMaxPooling2D ? "global_max_pooling2d" : "global_average_pooling2d"; // asked before _mode is set

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        _mode == PoolingMode.Max ? Ops.Max(inputs, [1, 2], KeepDims) : Ops.Mean(inputs, [1, 2], KeepDims);

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        return KeepDims ? [1, 1, inputShape[2]] : [inputShape[2]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["data_format"] = "channels_last";
        config["keepdims"] = KeepDims;
        return config;
    }

    /// <summary>Reads the arguments <see cref="GetConfig"/> saved and makes the layer with <paramref name="create"/>.</summary>
    private protected static T FromConfig<T>(JsonObject config, Func<bool, string?, TensorShape?, T> create) where T : GlobalPooling2D
    {
        var r = LayerConfigReader.ImageLayer(config, typeof(T).Name);
        return r.Finish(create(r.Optional("keepdims", KeepDimsByDefault), r.Name, r.InputShape));
    }
}
