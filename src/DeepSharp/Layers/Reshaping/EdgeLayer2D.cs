using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The shared base of the layers that remove or add rows and columns at the four edges of channels-last images
/// (<see cref="Cropping2D"/>, <see cref="ZeroPadding2D"/>): the amount per side, its validation, its configuration
/// ((top, bottom), (left, right)) as Keras writes it, and the height and width that may be unknown.
/// </summary>
public abstract class EdgeLayer2D : Layer
{
    private readonly string _argument;

    /// <summary>Validates and keeps the amount per side.</summary>
    /// <param name="argument">The Keras name of the amount ("cropping", "padding"), used in messages and the configuration.</param>
    /// <param name="height">Rows at the top and at the bottom.</param>
    /// <param name="width">Columns at the left and at the right.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    private protected EdgeLayer2D(string argument, (int Top, int Bottom) height, (int Left, int Right) width, string? name, PartialShape? inputShape)
        : base(name, inputShape)
    {
        if (height.Top < 0 || height.Bottom < 0 || width.Left < 0 || width.Right < 0)
            throw new ArgumentOutOfRangeException(nameof(height),
                $"{GetType().Name}: {argument} must be non-negative; got (({height.Top}, {height.Bottom}), ({width.Left}, {width.Right})).");
        _argument = argument;
        Top = height.Top;
        Bottom = height.Bottom;
        Left = width.Left;
        Right = width.Right;
    }

    /// <summary>Rows at the top.</summary>
    public int Top { get; }

    /// <summary>Rows at the bottom.</summary>
    public int Bottom { get; }

    /// <summary>Columns at the left.</summary>
    public int Left { get; }

    /// <summary>Columns at the right.</summary>
    public int Right { get; }

    /// <inheritdoc/>
    /// <remarks>The height and width may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis < rank - 1;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config[_argument] = new JsonArray(new JsonArray(Top, Bottom), new JsonArray(Left, Right));
        config["data_format"] = "channels_last";
        return config;
    }

    /// <summary>
    /// Reads the amount of a configuration in its nested form ((top, bottom), (left, right)), as <see cref="GetConfig"/>
    /// writes it; false when the configuration holds the short form (one integer, or (height, width)) or none.
    /// </summary>
    private protected static bool TryReadSides(ConfigReader r, string argument, out (int Top, int Bottom) height, out (int Left, int Right) width)
    {
        height = width = default;
        if (!r.TryGet(argument, out var node) || node is not JsonArray { Count: 2 } pair || (pair[0] is not JsonArray && pair[1] is not JsonArray))
            return false;
        var top = r.IntArray(argument, pair[0]);
        var left = r.IntArray(argument, pair[1]);
        if (top.Length != 2 || left.Length != 2)
            throw r.Invalid(argument, node, "an integer, [height, width], or [[top, bottom], [left, right]]");
        (height, width) = ((top[0], top[1]), (left[0], left[1]));
        return true;
    }
}
