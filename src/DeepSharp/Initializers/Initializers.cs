using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>The built-in initializers by Keras name, and shorthands for the common ones.</summary>
public static class Initializers
{
    /// <summary>
    /// The initializer a Keras name (snake_case or PascalCase) stands for, with Keras' defaults, or one registered
    /// with <see cref="CustomObjects"/>.
    /// </summary>
    public static Initializer Get(string name) => KerasNames.ToSnakeCase(name) switch
    {
        "zeros" => new Zeros(),
        "ones" => new Ones(),
        "constant" => new Constant(0f),
        "random_uniform" => new RandomUniform(),
        "random_normal" => new RandomNormal(),
        "truncated_normal" => new TruncatedNormal(),
        "glorot_uniform" or "xavier_uniform" => new GlorotUniform(),
        "glorot_normal" or "xavier_normal" => new GlorotNormal(),
        "he_uniform" => new HeUniform(),
        "he_normal" => new HeNormal(),
        "lecun_uniform" => new LecunUniform(),
        "lecun_normal" => new LecunNormal(),
        "orthogonal" => new Orthogonal(),
        "identity" => new Identity(),
        "variance_scaling" => new VarianceScaling(),
        _ when CustomObjects.TryCreate<Initializer>(name, out var custom) => custom,
        _ => throw new ArgumentException(
            $"Unknown initializer '{name}'. Known: zeros, ones, constant, random_uniform, random_normal, truncated_normal, " +
            "glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, orthogonal, identity, variance_scaling; " +
            "or register your own with CustomObjects.Register.", nameof(name)),
    };

    /// <summary>
    /// Recreates an initializer from the <c>{"class_name", "config"}</c> object a layer saved;
    /// <paramref name="owner"/> ("Dense.kernel_initializer") names it in messages.
    /// </summary>
    internal static Initializer FromConfig(JsonObject node, string owner)
    {
        string name = node["class_name"]?.GetValue<string>() ?? throw new FormatException($"{owner}: initializer without class_name.");
        var c = node["config"] as JsonObject ?? [];
        long? seed = c["seed"]?.GetValue<long>();
        float F(string key, float fallback) => c[key]?.GetValue<float>() ?? fallback;
        return name switch
        {
            nameof(Constant) => new Constant(F("value", 0f)),
            nameof(Identity) => new Identity(F("gain", 1f)),
            nameof(RandomUniform) => new RandomUniform(F("minval", -0.05f), F("maxval", 0.05f), seed),
            nameof(RandomNormal) => new RandomNormal(F("mean", 0f), F("stddev", 0.05f), seed),
            nameof(TruncatedNormal) => new TruncatedNormal(F("mean", 0f), F("stddev", 0.05f), seed),
            nameof(GlorotUniform) => new GlorotUniform(seed),
            nameof(GlorotNormal) => new GlorotNormal(seed),
            nameof(HeUniform) => new HeUniform(seed),
            nameof(HeNormal) => new HeNormal(seed),
            nameof(LecunUniform) => new LecunUniform(seed),
            nameof(LecunNormal) => new LecunNormal(seed),
            nameof(Orthogonal) => new Orthogonal(F("gain", 1f), seed),
            nameof(VarianceScaling) => new VarianceScaling(
                c["scale"]?.GetValue<double>() ?? 1.0,
                Enum.Parse<FanMode>((c["mode"]?.GetValue<string>() ?? "fan_in").Replace("_", ""), ignoreCase: true),
                Enum.Parse<ScalingDistribution>((c["distribution"]?.GetValue<string>() ?? "truncated_normal").Replace("_", ""), ignoreCase: true),
                seed),
            _ when CustomObjects.TryCreate<Initializer>(name, c, out var custom) => custom,
            _ => Get(name),
        };
    }
}
