using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Max and average pooling over channels-last images (batch, height, width, channels): the window and strides as
/// (height, width) pairs (see <see cref="PoolingLayer"/>).
/// </summary>
public abstract class Pooling2D : PoolingLayer
{
    private protected Pooling2D(PoolingMode mode, Size2D? poolSize, Size2D? strides, string padding, string? name, PartialShape? inputShape)
        : base(mode, 2, poolSize ?? 2, strides ?? poolSize ?? 2, padding, name, inputShape)
    {
    }

    /// <summary>Window size (height, width).</summary>
    public Size2D PoolSize => Window;

    /// <summary>Step between windows.</summary>
    public Size2D Strides => Step;

    /// <summary>Reads the arguments <see cref="PoolingLayer.GetConfig"/> saved and makes the layer with <paramref name="create"/>.</summary>
    private protected static T FromConfig<T>(JsonObject config, Func<Size2D?, Size2D?, string, string?, PartialShape?, T> create)
        where T : Pooling2D
    {
        var r = LayerConfigReader.ImageLayer(config, typeof(T).Name);
        return r.Finish(create(r.Size("pool_size"), r.Size("strides"), r.Optional("padding", ImageLayers.ValidPadding), r.Name, r.InputShape));
    }
}
