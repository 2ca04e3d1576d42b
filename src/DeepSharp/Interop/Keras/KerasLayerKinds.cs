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

    // DeepSharp's recurrent layers give zeros at masked steps, which is Keras' zero_output_for_mask=True.
    private static readonly JsonObject RecurrentExtras = new() { ["zero_output_for_mask"] = true };

    private static readonly Dictionary<string, KerasLayerKind> Kinds = new KerasLayerKind[]
    {
        Of("Dense", ["units", .. KernelArguments], KernelOnly),
        Of("Conv2D", ["filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", .. KernelArguments], KernelOnly),
        Of("Conv2DTranspose", ["filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate", .. KernelArguments], KernelOnly),
        Of("MaxPooling2D", ["pool_size", "padding", "strides", "data_format"]),
        Of("AveragePooling2D", ["pool_size", "padding", "strides", "data_format"]),
        Of("GlobalMaxPooling2D", ["data_format", "keepdims"]),
        Of("GlobalAveragePooling2D", ["data_format", "keepdims"]),
        Of("Flatten", [], [("data_format", ChannelsLast)], writtenExtras: new JsonObject { ["data_format"] = "channels_last" }),
        Of("Reshape", ["target_shape"]),
        Of("ZeroPadding2D", ["padding", "data_format"]),
        Of("UpSampling2D", ["size", "data_format", "interpolation"]),
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

    /// <summary>The kind of a Keras class, or null when DeepSharp has no such layer.</summary>
    internal static KerasLayerKind? Find(string className) => Kinds.GetValueOrDefault(className);

    /// <summary>The class names DeepSharp reads, for messages.</summary>
    internal static string Known => string.Join(", ", Kinds.Keys.Order(StringComparer.Ordinal));
}
