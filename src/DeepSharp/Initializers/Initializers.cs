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
    /// Recreates an initializer from the <c>{"class_name", "config"}</c> object a layer saved, strictly: unknown
    /// keys and values of the wrong type are refused; absent keys take Keras' defaults. <paramref name="owner"/>
    /// ("Dense 'd'.kernel_initializer") names it in messages.
    /// </summary>
    /// <exception cref="FormatException">The configuration is not one of an initializer DeepSharp knows.</exception>
    internal static Initializer FromConfig(JsonObject node, string owner)
    {
        var outer = new ConfigReader(node, owner);
        string name = outer.Required<string>("class_name");
        var c = new ConfigReader(outer.Object("config") ?? [], $"{owner} ({name})");
        outer.Finish(0);
        long? Seed() => c.Nullable<long>("seed");
        float F(string key, float fallback) => c.Optional(key, fallback);
        // A registered initializer reads its own configuration: its keys are not ours to judge.
        if (CustomObjects.TryCreate<Initializer>(name, c.Json, out var custom)) return custom;
        Initializer initializer;
        try
        {
            initializer = name switch
            {
                nameof(Constant) => new Constant(F("value", 0f)),
                nameof(Identity) => new Identity(F("gain", 1f)),
                nameof(RandomUniform) => new RandomUniform(F("minval", -0.05f), F("maxval", 0.05f), Seed()),
                nameof(RandomNormal) => new RandomNormal(F("mean", 0f), F("stddev", 0.05f), Seed()),
                nameof(TruncatedNormal) => new TruncatedNormal(F("mean", 0f), F("stddev", 0.05f), Seed()),
                nameof(GlorotUniform) => new GlorotUniform(Seed()),
                nameof(GlorotNormal) => new GlorotNormal(Seed()),
                nameof(HeUniform) => new HeUniform(Seed()),
                nameof(HeNormal) => new HeNormal(Seed()),
                nameof(LecunUniform) => new LecunUniform(Seed()),
                nameof(LecunNormal) => new LecunNormal(Seed()),
                nameof(Orthogonal) => new Orthogonal(F("gain", 1f), Seed()),
                nameof(VarianceScaling) => new VarianceScaling(c.Optional("scale", 1.0),
                    Choice(c, "mode", FanMode.FanIn), Choice(c, "distribution", ScalingDistribution.TruncatedNormal), Seed()),
                _ => Get(name),
            };
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{owner}: {e.Message}", e);
        }
        return c.Finish(initializer);
    }

    /// <summary>An enum saved in Keras' snake_case ("fan_in"), or <paramref name="fallback"/> when absent.</summary>
    private static T Choice<T>(ConfigReader c, string key, T fallback) where T : struct, Enum
    {
        if (c.OptionalString(key) is not { } text) return fallback;
        foreach (var value in Enum.GetValues<T>())
            if (KerasNames.ToSnakeCase(value.ToString()) == text) return value;
        throw c.Invalid(key, $"\"{text}\"", "one of " + string.Join(", ", Enum.GetValues<T>().Select(v => KerasNames.ToSnakeCase(v.ToString()))));
    }
}
