using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Adds rows and columns of zeros around channels-last images, as Keras' <c>ZeroPadding2D</c>. The padding is
/// one integer (all four sides), (height, width) (top and bottom, left and right), or ((top, bottom),
/// (left, right)).
/// </summary>
public sealed class ZeroPadding2D : EdgeLayer2D
{
    /// <summary>Creates the layer with symmetric padding: one integer for every side, or (height, width).</summary>
    /// <param name="padding">Rows added at top and bottom, and columns at left and right; 1 by default.</param>
    /// <param name="name">Layer name (default "zero_padding2d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public ZeroPadding2D(Size2D? padding = null, string? name = null, PartialShape? inputShape = null)
        : this(((padding ?? 1).Height, (padding ?? 1).Height), ((padding ?? 1).Width, (padding ?? 1).Width), name, inputShape)
    {
    }

    /// <summary>Creates the layer with each side given: ((top, bottom), (left, right)) as Keras.</summary>
    /// <param name="height">Rows added at the top and at the bottom.</param>
    /// <param name="width">Columns added at the left and at the right.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public ZeroPadding2D((int Top, int Bottom) height, (int Left, int Right) width, string? name = null, PartialShape? inputShape = null)
        : base("padding", height, width, name, inputShape)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "zero_padding2d";

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        return [ImageLayers.Dimension(this, (long)inputShape[0] + Top + Bottom, inputShape), ImageLayers.Dimension(this, (long)inputShape[1] + Left + Right, inputShape), inputShape[2]];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        Ops.Pad(inputs, [(0, 0), (Top, Bottom), (Left, Right), (0, 0)]);

    /// <summary>Recreates the layer from the configuration <see cref="EdgeLayer2D.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static ZeroPadding2D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ImageLayer(config, nameof(ZeroPadding2D));
        return r.Finish(TryReadSides(r, "padding", out var height, out var width)
            ? new ZeroPadding2D(height, width, r.Name, r.InputShape)
            : new ZeroPadding2D(r.Size("padding"), r.Name, r.InputShape));
    }
}
