using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Removes rows and columns at the edges of channels-last images, as Keras' <c>Cropping2D</c>. The cropping is one
/// integer (all four sides), (height, width) (top and bottom, left and right), or ((top, bottom), (left, right)). The
/// output is a view of the input.
/// </summary>
public sealed class Cropping2D : EdgeLayer2D
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
        : base("cropping", height, width, name, inputShape)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "cropping2d";

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

    /// <summary>Recreates the layer from the configuration <see cref="EdgeLayer2D.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Cropping2D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ImageLayer(config, nameof(Cropping2D));
        return r.Finish(TryReadSides(r, "cropping", out var height, out var width)
            ? new Cropping2D(height, width, r.Name, r.InputShape)
            : new Cropping2D(r.Size("cropping"), r.Name, r.InputShape));
    }
}
