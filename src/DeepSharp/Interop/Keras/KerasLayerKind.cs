using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// How one Keras layer class maps onto DeepSharp's: the arguments both take (under Keras' key, DeepSharp's
/// key), the Keras-only arguments accepted when they hold the value that changes nothing (a null
/// constraint, <c>stateful: false</c>), and the extra keys DeepSharp writes for Keras. Every key of a Keras
/// configuration must be one of these; anything else is refused with the layer and the key named.
/// </summary>
internal sealed class KerasLayerKind
{
    private KerasLayerKind(string className, IReadOnlyDictionary<string, string> arguments, IReadOnlyDictionary<string, Neutral> kerasOnly,
        bool takesInputShape, bool writesTrainable, JsonObject? writtenExtras)
    {
        ClassName = className;
        Arguments = arguments;
        KerasOnly = kerasOnly;
        TakesInputShape = takesInputShape;
        WritesTrainable = writesTrainable;
        WrittenExtras = writtenExtras;
    }

    /// <summary>The class name, the same in Keras and DeepSharp ("Dense").</summary>
    internal string ClassName { get; }

    /// <summary>The arguments both take: Keras' key → DeepSharp's key (the same but for Keras 2's LeakyReLU alpha).</summary>
    internal IReadOnlyDictionary<string, string> Arguments { get; }

    /// <summary>Keras-only keys, each accepted when its value passes the check.</summary>
    internal IReadOnlyDictionary<string, Neutral> KerasOnly { get; }

    /// <summary>Whether DeepSharp's layer takes an <c>input_shape</c> (not the merge layers).</summary>
    internal bool TakesInputShape { get; }

    /// <summary>Whether Keras' constructor takes <c>trainable</c> (SpatialDropout2D's does not).</summary>
    internal bool WritesTrainable { get; }

    /// <summary>Keys written for Keras beside DeepSharp's own (Flatten's data_format, RNNs' zero_output_for_mask).</summary>
    internal JsonObject? WrittenExtras { get; }

    /// <summary>A check of a Keras-only value: whether it is the one DeepSharp behaves as, and what that is.</summary>
    internal readonly record struct Neutral(Func<JsonNode?, bool> Accepts, string Expected);

    internal static readonly Neutral MustBeNull = new(KerasJson.IsNull, "null");
    internal static readonly Neutral MustBeFalse = new(v => KerasJson.IsNull(v) || v is JsonValue b && b.TryGetValue(out bool x) && !x, "false");
    internal static readonly Neutral MustBeZero = new(v => KerasJson.IsNull(v) || v is JsonValue n && n.TryGetValue(out double x) && x == 0, "0 or null");
    internal static readonly Neutral AnyValue = new(_ => true, "anything");
    internal static readonly Neutral ChannelsLast = new(v => KerasJson.IsNull(v) || v is JsonValue s && s.TryGetValue(out string? x) && x == "channels_last", "channels_last");

    /// <summary>Describes a layer class; <paramref name="arguments"/> are keys both take under one name.</summary>
    internal static KerasLayerKind Of(string className, string[] arguments, (string Key, Neutral Check)[]? kerasOnly = null,
        bool takesInputShape = true, bool writesTrainable = true, JsonObject? writtenExtras = null, (string Keras, string Ours)[]? renamed = null)
    {
        var map = arguments.ToDictionary(a => a, a => a, StringComparer.Ordinal);
        foreach (var (keras, ours) in renamed ?? []) map[keras] = ours;
        var only = (kerasOnly ?? []).ToDictionary(k => k.Key, k => k.Check, StringComparer.Ordinal);
        return new KerasLayerKind(className, map, only, takesInputShape, writesTrainable, writtenExtras);
    }
}
