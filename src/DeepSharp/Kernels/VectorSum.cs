using System.Numerics.Tensors;

namespace DeepSharp.Kernels;

/// <summary>
/// Σ f(x[i], y[i]) for an <see cref="IBinaryFunction"/> (a loss's terms of prediction and target): the terms are
/// computed by <see cref="VectorLoop"/> (its widths and its tail) one chunk at a time into a buffer on the stack,
/// each chunk is summed in float and the chunks' sums in double, so a long span keeps its precision.
/// </summary>
internal static class VectorSum
{
    private const int Chunk = 1024;

    /// <summary>Σ f(x[i], y[i]) over the length of <paramref name="x"/>.</summary>
    internal static double Of<TF>(in TF f, ReadOnlySpan<float> x, ReadOnlySpan<float> y) where TF : struct, IBinaryFunction
    {
        if (y.Length < x.Length) throw new ArgumentException("VectorSum: the spans have different lengths.");
        Span<float> terms = stackalloc float[Math.Min(Chunk, x.Length)];
        double total = 0;
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int length = Math.Min(Chunk, x.Length - start);
            VectorLoop.Map(f, x.Slice(start, length), y.Slice(start, length), terms[..length]);
            total += TensorPrimitives.Sum((ReadOnlySpan<float>)terms[..length]);
        }
        return total;
    }
}
