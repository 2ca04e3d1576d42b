using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Adds rows and columns of zeros around channels-last images, as Keras' <c>ZeroPadding2D</c>. The padding is
/// one integer (all four sides), (height, width) (top and bottom, left and right), or ((top, bottom),
/// (left, right)).
/// </summary>
public sealed class ZeroPadding2D : Layer
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
        : base(name, inputShape)
    {
        if (height.Top < 0 || height.Bottom < 0 || width.Left < 0 || width.Right < 0)
            throw new ArgumentOutOfRangeException(nameof(height),
                $"ZeroPadding2D: padding must be non-negative; got (({height.Top}, {height.Bottom}), ({width.Left}, {width.Right})).");
        Top = height.Top;
        Bottom = height.Bottom;
        Left = width.Left;
        Right = width.Right;
    }

    /// <summary>Rows added at the top.</summary>
    public int Top { get; }

    /// <summary>Rows added at the bottom.</summary>
    public int Bottom { get; }

    /// <summary>Columns added at the left.</summary>
    public int Left { get; }

    /// <summary>Columns added at the right.</summary>
    public int Right { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "zero_padding2d";

    /// <inheritdoc/>
    /// <remarks>The height and width may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis < rank - 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        return [ImageLayers.Dimension(this, (long)inputShape[0] + Top + Bottom, inputShape), ImageLayers.Dimension(this, (long)inputShape[1] + Left + Right, inputShape), inputShape[2]];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        Ops.Pad(inputs, [(0, 0), (Top, Bottom), (Left, Right), (0, 0)]);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["padding"] = new JsonArray(new JsonArray(Top, Bottom), new JsonArray(Left, Right));
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static ZeroPadding2D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ImageLayer(config, nameof(ZeroPadding2D));
        if (r.TryGet("padding", out var node) && node is JsonArray { Count: 2 } pair && (pair[0] is JsonArray || pair[1] is JsonArray))
        {
            // ((top, bottom), (left, right)), as the layer saves it.
            var top = r.IntArray("padding", pair[0]);
            var left = r.IntArray("padding", pair[1]);
            if (top.Length != 2 || left.Length != 2)
                throw r.Invalid("padding", node, "an integer, [height, width], or [[top, bottom], [left, right]]");
            return r.Finish(new ZeroPadding2D((top[0], top[1]), (left[0], left[1]), r.Name, r.InputShape));
        }
        return r.Finish(new ZeroPadding2D(r.Size("padding"), r.Name, r.InputShape));
    }
}
