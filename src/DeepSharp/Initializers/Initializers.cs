namespace DeepSharp;

/// <summary>The built-in initializers by Keras name, and shorthands for the common ones.</summary>
public static class Initializers
{
    /// <summary>The initializer a Keras name (snake_case or PascalCase) stands for, with Keras' defaults.</summary>
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
        _ => throw new ArgumentException(
            $"Unknown initializer '{name}'. Known: zeros, ones, constant, random_uniform, random_normal, truncated_normal, " +
            "glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, orthogonal, identity, variance_scaling.", nameof(name)),
    };
}
