using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>What the image layers (convolutions, pooling, padding, resampling) share: input checks and config values.</summary>
internal static class ImageLayers
{
    /// <summary>Throws unless a per-sample shape is an image (height, width, channels), naming the layer.</summary>
    internal static void RequireImage(Layer layer, TensorShape inputShape)
    {
        if (inputShape.Rank != 3)
            throw new ArgumentException(
                $"{layer.ClassName} '{layer.Name}' expects input of rank 4 (batch, height, width, channels), got {Layer.FormatBatch(inputShape)}.");
    }

    /// <summary>A padding argument as Keras stores it ("valid" or "same"); anything else is refused naming the layer.</summary>
    internal static string Padding(string layerClass, string padding)
    {
        ArgumentNullException.ThrowIfNull(padding);
        return Ops.ParsePadding(layerClass, padding) ? "same" : "valid";
    }

    internal static JsonArray ToJson(Size2D size) => new(size.Height, size.Width);

    /// <summary>Reads a pair saved as [h, w] (or a single integer, as Keras accepts).</summary>
    internal static Size2D SizeFromJson(JsonNode? node, string owner, string key) => node switch
    {
        JsonArray { Count: 2 } a => new Size2D(a[0]!.GetValue<int>(), a[1]!.GetValue<int>()),
        JsonValue v => v.GetValue<int>(),
        _ => throw new FormatException($"{owner}: the saved value of '{key}' ({node?.ToJsonString() ?? "nothing"}) is not an integer or a pair of integers."),
    };

    /// <summary>Refuses a saved configuration in a layout other than channels-last, the only one these layers compute.</summary>
    internal static void RequireChannelsLast(JsonObject config, string owner)
    {
        var format = config["data_format"]?.GetValue<string>();
        if (format is not null && format != "channels_last")
            throw new FormatException($"{owner}: data_format '{format}' is not supported; DeepSharp's image layers are channels_last (NHWC).");
    }
}
