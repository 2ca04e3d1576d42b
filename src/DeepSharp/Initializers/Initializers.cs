namespace DeepSharp;

/// <summary>The built-in initializers by Keras name, and shorthands for the common ones.</summary>
public static class Initializers
{
    /// <summary>The initializer a Keras name (snake_case or PascalCase) stands for, with Keras' defaults.</summary>
    public static Initializer Get(string name) => Normalize(name) switch
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

    /// <summary>Lower-case snake_case form of a name: "GlorotUniform" → "glorot_uniform".</summary>
    internal static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new System.Text.StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && !char.IsUpper(name[i - 1])) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c == '-' ? '_' : c);
        }
        return sb.ToString();
    }
}
