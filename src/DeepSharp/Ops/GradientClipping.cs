using System.Numerics.Tensors;

namespace DeepSharp;

/// <summary>Gradient clipping by value, by norm and by global norm, in place (no graph).</summary>
internal static class GradientClipping
{
    /// <summary>The factor that brings the joint L2 norm of all gradients down to <paramref name="limit"/> (1 if already below).</summary>
    internal static float GlobalScale(IReadOnlyList<Tensor> variables, float limit)
    {
        double sumOfSquares = 0;
        for (int i = 0; i < variables.Count; i++)
            if (variables[i].Grad is { } g) sumOfSquares += SumOfSquares(g.Span);
        double norm = Math.Sqrt(sumOfSquares);
        return norm > limit ? (float)(limit / norm) : 1f;
    }

    /// <summary>The same factor for explicit gradients (null entries are skipped).</summary>
    internal static float GlobalScaleOfGradients(IReadOnlyList<Tensor?> gradients, float limit)
    {
        double sumOfSquares = 0;
        for (int i = 0; i < gradients.Count; i++)
            if (gradients[i] is { } g) sumOfSquares += g.IsContiguous ? SumOfSquares(g.Span) : SumOfSquares(g.ToArray());
        double norm = Math.Sqrt(sumOfSquares);
        return norm > limit ? (float)(limit / norm) : 1f;
    }

    internal static void Scale(Tensor gradient, float factor) => TensorPrimitives.Multiply(gradient.Span, factor, gradient.Span);

    /// <summary>Rescales a gradient whose L2 norm exceeds <paramref name="limit"/> to norm <paramref name="limit"/>.</summary>
    internal static void ClipNorm(Tensor gradient, float limit)
    {
        double norm = Math.Sqrt(SumOfSquares(gradient.Span));
        if (norm > limit) Scale(gradient, (float)(limit / norm));
    }

    /// <summary>Clips every element to [-limit, limit].</summary>
    internal static void ClipValue(Tensor gradient, float limit) =>
        TensorPrimitives.Clamp(gradient.Span, -limit, limit, gradient.Span);

    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        // Float accumulation of a million squares loses digits; sum in blocks and add the blocks in double.
        double total = 0;
        for (int start = 0; start < values.Length; start += 4096)
            total += TensorPrimitives.SumOfSquares(values.Slice(start, Math.Min(4096, values.Length - start)));
        return total;
    }
}
