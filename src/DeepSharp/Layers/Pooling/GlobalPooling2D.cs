using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// What the global poolings share, as Keras' <c>BaseGlobalPooling</c>: one value per channel over all
/// pixels, (batch, h, w, c) becoming (batch, c), or (batch, 1, 1, c) with <see cref="KeepDims"/>.
/// </summary>
public abstract class GlobalPooling2D : Layer
{
    /// <summary>Keras' default: the spatial axes are dropped.</summary>
    private protected const bool KeepDimsByDefault = false;

    private protected GlobalPooling2D(bool keepDims, string? name, TensorShape? inputShape) : base(name, inputShape) => KeepDims = keepDims;

    /// <summary>Whether the spatial axes are kept as size 1.</summary>
    public bool KeepDims { get; }

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
        return create(r.Optional("keepdims", KeepDimsByDefault), r.Name, r.InputShape);
    }
}
