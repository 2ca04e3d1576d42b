namespace DeepSharp;

/// <summary>
/// The spelling of names in Keras configurations: class and argument names in lower-case snake_case. Names
/// users give ("GlorotUniform", "glorot-uniform", "glorot_uniform") and saved configurations meet here.
/// </summary>
internal static class KerasNames
{
    /// <summary>Lower-case snake_case form of a name: "GlorotUniform" → "glorot_uniform", "max-pooling" → "max_pooling".</summary>
    internal static string ToSnakeCase(string name)
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
