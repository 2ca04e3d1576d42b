using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Removes rows and columns at the edges of channels-last images, as Keras' <c>Cropping2D</c>. The cropping is one
/// integer (all four sides), (height, width) (top and bottom, left and right), or ((top, bottom), (left, right)). The
/// output is a view of the input.
/// </summary>
public sealed class Cropping2D : Layer
{
    /// <summary>Creates the layer with symmetric cropping: one integer for every side, or (height, width); none by default.</summary>
    /// <param name="cropping">Rows removed at top and bottom, and columns at left and right.</param>
    /// <param name="name">Layer name (default "cropping2d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public Cropping2D(Size2D? cropping = null, string? name = null, PartialShape? inputShape = null)
        : this(((cropping ?? 0).Height, (cropping ?? 0).Height), ((cropping ?? 0).Width, (cropping ?? 0).Width), name, inputShape)
    {
    }

    /// <summary>Creates the layer with each side given: ((top, bottom), (left, right)) as Keras.</summary>
    /// <param name="height">Rows removed at the top and at the bottom.</param>
    /// <param name="width">Columns removed at the left and at the right.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public Cropping2D((int Top, int Bottom) height, (int Left, int Right) width, string? name = null, PartialShape? inputShape = null)
        : base(name, inputShape)
    {
        if (height.Top < 0 || height.Bottom < 0 || width.Left < 0 || width.Right < 0)
            throw new ArgumentOutOfRangeException(nameof(height),
                $"Cropping2D: cropping must be non-negative; got (({height.Top}, {height.Bottom}), ({width.Left}, {width.Right})).");
        Top = height.Top;
        Bottom = height.Bottom;
        Left = width.Left;
        Right = width.Right;
    }

    /// <summary>Rows removed at the top.</summary>
    public int Top { get; }

    /// <summary>Rows removed at the bottom.</summary>
    public int Bottom { get; }

    /// <summary>Columns removed at the left.</summary>
    public int Left { get; }

    /// <summary>Columns removed at the right.</summary>
    public int Right { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "cropping2d";

    /// <inheritdoc/>
    /// <remarks>The height and width may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis < rank - 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        int height = inputShape[0] - Top - Bottom, width = inputShape[1] - Left - Right;
        if (height <= 0 || width <= 0)
            throw new ArgumentException(
                $"Cropping2D '{Name}': cropping (({Top}, {Bottom}), ({Left}, {Right})) must be smaller than the input {FormatBatch(inputShape)} " +
                $"along both axes; it leaves ({height}, {width}).");
        return [height, width, inputShape[2]];
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        Ops.Slice(Ops.Slice(inputs, 1, Top, inputs.Shape[1] - Bottom), 2, Left, inputs.Shape[2] - Right);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["cropping"] = new JsonArray(new JsonArray(Top, Bottom), new JsonArray(Left, Right));
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Cropping2D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ImageLayer(config, nameof(Cropping2D));
        r.TryGet("cropping", out var cropping);
        return r.Finish(cropping switch
        {
            JsonArray { Count: 2 } pair when pair[0] is JsonArray top && pair[1] is JsonArray left =>
                new Cropping2D(Pair(r, top), Pair(r, left), r.Name, r.InputShape),
            _ => new Cropping2D(r.Size("cropping"), r.Name, r.InputShape),
        });
    }

    private static (int, int) Pair(ConfigReader r, JsonArray pair)
    {
        var values = r.IntArray("cropping", pair);
        return values.Length == 2 ? (values[0], values[1]) : throw r.Invalid("cropping", pair, "[[top, bottom], [left, right]]");
    }
}
