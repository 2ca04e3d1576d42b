using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>What the image layers (convolutions, pooling, padding, resampling) share: input checks and config values.</summary>
internal static class ImageLayers
{
    /// <summary>Keras' default padding of convolutions and pooling: none.</summary>
    internal const string ValidPadding = "valid";

    /// <summary>Throws unless a per-sample shape is an image (height, width, channels), naming the layer.</summary>
    internal static void RequireImage(Layer layer, TensorShape inputShape) => RequireSpatial(layer, inputShape, 2);

    /// <summary>
    /// Throws unless a per-sample shape has <paramref name="rank"/> spatial axes and channels: a sequence (steps,
    /// channels) for 1, an image (height, width, channels) for 2; naming the layer.
    /// </summary>
    internal static void RequireSpatial(Layer layer, TensorShape inputShape, int rank)
    {
        if (inputShape.Rank != rank + 1)
            throw new ArgumentException(
                $"{layer.ClassName} '{layer.Name}' expects input of rank {rank + 2} {(rank == 1 ? "(batch, steps, channels)" : "(batch, height, width, channels)")}, " +
                $"got {Layer.FormatBatch(inputShape)}.");
    }

    /// <summary>A padding argument as Keras stores it ("valid" or "same"); anything else is refused naming the layer.</summary>
    internal static string Padding(string layerClass, string padding)
    {
        ArgumentNullException.ThrowIfNull(padding);
        return Ops.ParsePadding(layerClass, padding) ? "same" : "valid";
    }

    internal static JsonArray ToJson(Size2D size) => new(size.Height, size.Width);

    /// <summary>
    /// An output dimension computed in 64 bits, refused naming the layer when a size argument makes it larger
    /// than a tensor dimension can be (int arithmetic would wrap around to a small or negative size).
    /// </summary>
    internal static int Dimension(Layer layer, long value, TensorShape inputShape)
    {
        if (value > int.MaxValue)
            throw new ArgumentException(
                $"{layer.ClassName} '{layer.Name}': input {Layer.FormatBatch(inputShape)} would give an output dimension of {value}, " +
                $"more than a tensor dimension can be ({int.MaxValue}); a size argument of the layer is too large.");
        return (int)value;
    }

    /// <summary>The pixels a window of <paramref name="size"/> taps spaced <paramref name="dilation"/> apart spans, refused when it overflows.</summary>
    internal static void RequireSpan(string layerClass, Size2D size, Size2D dilation)
    {
        long height = (long)(size.Height - 1) * dilation.Height + 1, width = (long)(size.Width - 1) * dilation.Width + 1;
        if (height > int.MaxValue || width > int.MaxValue)
            throw new ArgumentException($"{layerClass}: a kernel of {size} with dilation {dilation} spans ({height}, {width}) pixels, more than an image dimension can be ({int.MaxValue}).");
    }
}
