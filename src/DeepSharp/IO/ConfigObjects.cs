using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Recreates initializers and regularizers from the <c>{"class_name", "config"}</c> objects layers save.</summary>
internal static class ConfigObjects
{
    public static Initializer Initializer(JsonObject node, string owner)
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
            _ => Initializers.Get(name),
        };
    }

    public static Regularizer Regularizer(JsonObject node, string owner)
    {
        string name = node["class_name"]?.GetValue<string>() ?? throw new FormatException($"{owner}: regularizer without class_name.");
        var c = node["config"] as JsonObject ?? [];
        return name switch
        {
            nameof(L1) => new L1(c["l1"]?.GetValue<float>() ?? 0.01f),
            nameof(L2) => new L2(c["l2"]?.GetValue<float>() ?? 0.01f),
            nameof(L1L2) => new L1L2(c["l1"]?.GetValue<float>() ?? 0f, c["l2"]?.GetValue<float>() ?? 0f),
            _ => throw new FormatException($"{owner}: unknown regularizer '{name}'."),
        };
    }
}
