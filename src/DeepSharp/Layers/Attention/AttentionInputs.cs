namespace DeepSharp;

/// <summary>The [query, value(, key)] list the attention layers take, checked once for all of them.</summary>
internal static class AttentionInputs
{
    /// <summary>
    /// Query, value and key (the value when not given) per-sample shapes, each (steps, features), the key with the
    /// value's steps; throws, naming <paramref name="label"/> and the shapes, otherwise.
    /// </summary>
    public static (TensorShape Query, TensorShape Value, TensorShape Key) Check(IReadOnlyList<TensorShape> shapes, string label,
        Func<IReadOnlyList<TensorShape>, string> describe)
    {
        if (shapes.Count < 2 || shapes.Count > 3)
            throw new ArgumentException($"{label} takes [query, value] or [query, value, key]; got {shapes.Count} inputs.");
        foreach (var shape in shapes)
            if (shape.Rank != 2)
                throw new ArgumentException($"{label} takes sequences (batch, steps, features); got {describe(shapes)}.");
        TensorShape query = shapes[0], value = shapes[1], key = shapes.Count > 2 ? shapes[2] : value;
        if (key[0] != value[0])
            throw new ArgumentException($"{label}: key and value need the same number of steps; got {describe(shapes)}.");
        return (query, value, key);
    }
}
