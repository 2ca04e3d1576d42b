using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Max and average pooling over channels-last sequences (batch, steps, channels): the window and strides as lengths
/// (see <see cref="PoolingLayer"/>).
/// </summary>
public abstract class Pooling1D : PoolingLayer
{
    /// <summary>Keras' default window of MaxPooling1D (AveragePooling1D takes the same here).</summary>
    private protected const int PoolSizeByDefault = 2;

    private protected Pooling1D(PoolingMode mode, int poolSize, int? strides, string padding, string? name, PartialShape? inputShape)
        : base(mode, 1, new Size2D(1, poolSize), new Size2D(1, strides ?? poolSize), padding, name, inputShape)
    {
    }

    /// <summary>Window length.</summary>
    public int PoolSize => Window.Width;

    /// <summary>Step between windows.</summary>
    public int Strides => Step.Width;

    /// <summary>Reads the arguments <see cref="PoolingLayer.GetConfig"/> saved and makes the layer with <paramref name="create"/>.</summary>
    private protected static T FromConfig<T>(JsonObject config, Func<int, int?, string, string?, PartialShape?, T> create)
        where T : Pooling1D
    {
        var r = LayerConfigReader.ImageLayer(config, typeof(T).Name);
        return r.Finish(create(r.Length("pool_size") ?? PoolSizeByDefault, r.Length("strides"), r.Optional("padding", ImageLayers.ValidPadding), r.Name, r.InputShape));
    }
}
