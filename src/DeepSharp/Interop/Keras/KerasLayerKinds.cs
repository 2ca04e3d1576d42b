using System.Text.Json.Nodes;
using static DeepSharp.KerasLayerKind;

namespace DeepSharp;

/// <summary>
/// The Keras layer classes DeepSharp has, key by key, as Keras 2 (2.x get_config) and Keras 3 (3.0–3.16)
/// write them. Keys that came and went across versions (quantization_config, lora_rank, synchronized,
/// implementation, time_major, zero_output_for_mask) are accepted with the values that leave the layer as
/// DeepSharp computes it.
/// </summary>
internal static class KerasLayerKinds
{
    private static readonly string[] KernelArguments =
        ["activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer"];

    private static readonly (string, Neutral)[] KernelOnly =
    [
        ("kernel_constraint", MustBeNull), ("bias_constraint", MustBeNull), ("quantization_config", MustBeNull),
        ("lora_rank", MustBeZero), ("lora_alpha", AnyValue),
    ];

    private static readonly string[] RecurrentArguments =
    [
        "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
        "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "dropout", "recurrent_dropout", "return_sequences",
        "return_state", "go_backwards", "seed",
    ];

    // zero_output_for_mask matters only under a mask; KerasModelConfig checks it there. unroll and implementation
    // choose how Keras runs the same equations.
    private static readonly (string, Neutral)[] RecurrentOnly =
    [
        ("kernel_constraint", MustBeNull), ("recurrent_constraint", MustBeNull), ("bias_constraint", MustBeNull),
        ("stateful", MustBeFalse), ("time_major", MustBeFalse), ("unroll", AnyValue), ("implementation", AnyValue),
        ("zero_output_for_mask", AnyValue),
    ];

    private static readonly string[] DepthwiseArguments =
    [
        "kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate", "activation", "use_bias",
        "depthwise_initializer", "bias_initializer", "depthwise_regularizer", "bias_regularizer", "activity_regularizer",
    ];

    private static readonly string[] AffineAugmentationArguments = ["fill_mode", "fill_value", "interpolation", "seed", "data_format"];

    // Keras 3's image preprocessing layers may also carry bounding boxes; DeepSharp's transform images only.
    private static readonly (string, Neutral)[] ImagesOnly = [("bounding_box_format", MustBeNull)];

    // DeepSharp's recurrent layers give zeros at masked steps, which is Keras' zero_output_for_mask=True.
    private static readonly JsonObject RecurrentExtras = new() { ["zero_output_for_mask"] = true };

    private static readonly Dictionary<string, KerasLayerKind> Kinds = new KerasLayerKind[]
    {
        Of("Dense", ["units", .. KernelArguments], KernelOnly),
        Of("Conv2D", ["filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", .. KernelArguments], KernelOnly),
        Of("Conv1D", ["filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", .. KernelArguments], KernelOnly),
        Of("DepthwiseConv2D", DepthwiseArguments, [("depthwise_constraint", MustBeNull), ("bias_constraint", MustBeNull)]),
        Of("SeparableConv2D", ["filters", "pointwise_initializer", "pointwise_regularizer", .. DepthwiseArguments],
            [("depthwise_constraint", MustBeNull), ("pointwise_constraint", MustBeNull), ("bias_constraint", MustBeNull)]),
        Of("Conv2DTranspose", ["filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate", .. KernelArguments], KernelOnly),
        Of("MaxPooling1D", ["pool_size", "padding", "strides", "data_format"]),
        Of("AveragePooling1D", ["pool_size", "padding", "strides", "data_format"]),
        Of("GlobalMaxPooling1D", ["data_format", "keepdims"]),
        Of("GlobalAveragePooling1D", ["data_format", "keepdims"]),
        Of("MaxPooling2D", ["pool_size", "padding", "strides", "data_format"]),
        Of("AveragePooling2D", ["pool_size", "padding", "strides", "data_format"]),
        Of("GlobalMaxPooling2D", ["data_format", "keepdims"]),
        Of("GlobalAveragePooling2D", ["data_format", "keepdims"]),
        Of("Flatten", [], [("data_format", ChannelsLast)], writtenExtras: new JsonObject { ["data_format"] = "channels_last" }),
        Of("Reshape", ["target_shape"]),
        Of("ZeroPadding1D", ["padding", "data_format"]),
        Of("ZeroPadding2D", ["padding", "data_format"]),
        Of("Cropping1D", ["cropping"]),
        Of("Cropping2D", ["cropping", "data_format"]),
        Of("UpSampling1D", ["size"]),
        Of("UpSampling2D", ["size", "data_format", "interpolation"]),
        Of("Rescaling", ["scale", "offset"]),
        Of("Resizing", ["height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode", "fill_value", "antialias", "data_format"],
            ImagesOnly),
        Of("CenterCrop", ["height", "width", "data_format"], ImagesOnly),
        Of("RandomFlip", ["mode", "seed", "data_format"], ImagesOnly),
        Of("RandomRotation", ["factor", .. AffineAugmentationArguments], ImagesOnly),
        Of("RandomTranslation", ["height_factor", "width_factor", .. AffineAugmentationArguments], ImagesOnly),
        Of("RandomZoom", ["height_factor", "width_factor", .. AffineAugmentationArguments], ImagesOnly),
        Of("RandomContrast", ["factor", "value_range", "seed", "data_format"], ImagesOnly),
        Of("Dropout", ["rate", "seed"], [("noise_shape", MustBeNull)]),
        Of("SpatialDropout2D", ["rate", "seed", "data_format"], [("noise_shape", MustBeNull)], writesTrainable: false),
        Of("BatchNormalization",
            ["axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "moving_mean_initializer",
             "moving_variance_initializer", "beta_regularizer", "gamma_regularizer"],
            [("beta_constraint", MustBeNull), ("gamma_constraint", MustBeNull), ("renorm", MustBeFalse), ("renorm_clipping", MustBeNull),
             ("renorm_momentum", AnyValue), ("adjustment", MustBeNull), ("virtual_batch_size", MustBeNull), ("fused", AnyValue),
             ("synchronized", AnyValue)]),
        Of("LeakyReLU", ["negative_slope"], renamed: [("alpha", "negative_slope")]),
        Of("Activation", ["activation"]),
        Of("Masking", ["mask_value"]),
        Of("Embedding", ["input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "mask_zero"],
            [("activity_regularizer", MustBeNull), ("embeddings_constraint", MustBeNull), ("quantization_config", MustBeNull),
             ("lora_rank", MustBeZero), ("lora_alpha", AnyValue), ("input_length", AnyValue), ("sparse", MustBeFalse)]),
        Of("SimpleRNN", RecurrentArguments, RecurrentOnly, writtenExtras: RecurrentExtras),
        Of("LSTM", [.. RecurrentArguments, "recurrent_activation", "unit_forget_bias"], RecurrentOnly, writtenExtras: RecurrentExtras),
        Of("GRU", [.. RecurrentArguments, "recurrent_activation", "reset_after"], RecurrentOnly, writtenExtras: RecurrentExtras),
        Of("Bidirectional", ["layer", "merge_mode", "backward_layer"]),
        Of("TimeDistributed", ["layer"]),
        Of("Add", [], takesInputShape: false),
        Of("Subtract", [], takesInputShape: false),
        Of("Multiply", [], takesInputShape: false),
        Of("Average", [], takesInputShape: false),
        Of("Concatenate", ["axis"], takesInputShape: false),
    }.ToDictionary(k => k.ClassName, StringComparer.Ordinal);

    /// <summary>
    /// DeepSharp layers that Keras has too but that are not read from or written to Keras files, and why.
    /// </summary>
    private static readonly Dictionary<string, string> Unmapped = new(StringComparer.Ordinal)
    {
        // Keras keeps the adapted count as an int64 variable and DeepSharp's weights are float32 arrays.
        ["Normalization"] = "Keras stores its adapted statistics with an int64 count, which DeepSharp's float32 weights do not hold",
    };

    /// <summary>The kind of a Keras class, or null when DeepSharp has no such layer.</summary>
    internal static KerasLayerKind? Find(string className) => Kinds.GetValueOrDefault(className);

    /// <summary>Why a DeepSharp layer with a Keras counterpart stays out of Keras files, or null.</summary>
    internal static string? Refusal(string className) => Unmapped.GetValueOrDefault(className);

    /// <summary>The class names DeepSharp reads, for messages.</summary>
    internal static string Known => string.Join(", ", Kinds.Keys.Order(StringComparer.Ordinal));
}
