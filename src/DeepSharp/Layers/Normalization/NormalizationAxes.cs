using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>The axes a normalization layer reduces over: checked against the input's rank, read and written as Keras does.</summary>
internal static class NormalizationAxes
{
    /// <summary>
    /// The axes of a batch of samples of <paramref name="sampleShape"/> (batch axis 0) that <paramref name="axes"/> name,
    /// made non-negative and sorted; throws, naming the layer and the input, for the batch axis, an axis outside
    /// the input or an axis named twice.
    /// </summary>
    public static int[] Resolve(IReadOnlyList<int> axes, TensorShape sampleShape, string owner)
    {
        int rank = sampleShape.Rank + 1;
        var resolved = new int[axes.Count];
        for (int i = 0; i < resolved.Length; i++)
        {
            int axis = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (axis <= 0 || axis >= rank)
                throw new ArgumentException(
                    $"{owner}: axis {axes[i]} is not an axis of input {Layer.FormatBatch(sampleShape)} other than the batch (rank {rank}; valid: 1 to {rank - 1}, or -{rank - 1} to -1).");
            resolved[i] = axis;
        }
        Array.Sort(resolved);
        for (int i = 1; i < resolved.Length; i++)
            if (resolved[i] == resolved[i - 1])
                throw new ArgumentException($"{owner}: axis {resolved[i]} is named twice in [{string.Join(", ", axes)}].");
        return resolved;
    }

    /// <summary>Checks axes given to a constructor: at least one, none the batch axis 0.</summary>
    public static int[] Checked(IReadOnlyList<int> axes, string layer, string argument)
    {
        ArgumentNullException.ThrowIfNull(axes, argument);
        if (axes.Count == 0)
            throw new ArgumentException($"{layer}: {argument} names no axis; give at least one (-1 for the last).", argument);
        foreach (int axis in axes)
            if (axis == 0)
                throw new ArgumentOutOfRangeException(argument, axis, $"{layer}: axis 0 is the batch axis; give feature axes (-1 for the last).");
        return [.. axes];
    }

    /// <summary>Keras' form: one axis as a number, several as a list.</summary>
    public static JsonNode Write(IReadOnlyList<int> axes) =>
        axes.Count == 1 ? JsonValue.Create(axes[0]) : new JsonArray(axes.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());

    /// <summary>Reads "axis" as Keras writes it (a number or a list of numbers), or <paramref name="fallback"/> when absent.</summary>
    public static int[] Read(ConfigReader reader, int[] fallback) =>
        !reader.TryGet("axis", out var node) ? fallback
        : node is JsonArray ? reader.IntArray("axis", node)
        : [reader.Value<int>("axis", node)];

    /// <summary>(x − mean) / √(variance + ε), mean and biased variance over <paramref name="axes"/> of each sample.</summary>
    public static Tensor Standardize(Tensor x, int[] axes, float epsilon)
    {
        var centered = Ops.Subtract(x, Ops.Mean(x, axes, keepDims: true));
        var variance = Ops.Mean(Ops.Square(centered), axes, keepDims: true);
        return Ops.Divide(centered, Ops.Sqrt(Ops.Add(variance, epsilon)));
    }

    /// <summary>The shape that makes a weight over <paramref name="axes"/> broadcast against the batch: ones elsewhere.</summary>
    public static int[] BroadcastShape(TensorShape sampleShape, int[] axes)
    {
        var shape = new int[sampleShape.Rank + 1];
        Array.Fill(shape, 1);
        foreach (int axis in axes) shape[axis] = sampleShape[axis - 1];
        return shape;
    }
}
