using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// Σ f(x[i], y[i]) for an <see cref="IBinaryFunction"/> (a loss's terms of prediction and target), at the widest
/// vector width <see cref="Simd.Level"/> allows: the reduction beside <see cref="VectorLoop"/>'s maps. Lanes add up
/// in float for a block of vectors and each block's total in double, so a long span keeps its precision; the tail
/// goes through a zero-padded vector whose unused lanes are masked out, so every element sees the same arithmetic.
/// </summary>
internal static class VectorSum
{
    private const int BlockVectors = 64;

    /// <summary>Σ f(x[i], y[i]) over the length of <paramref name="x"/>.</summary>
    internal static double Of<TF>(in TF f, ReadOnlySpan<float> x, ReadOnlySpan<float> y) where TF : struct, IBinaryFunction
    {
        int n = x.Length;
        if (y.Length < n) throw new ArgumentException("VectorSum: the spans have different lengths.");
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        double total = 0;
        int i = 0;
        if (Simd.Level == SimdLevel.Vector512)
        {
            while (n - i >= 16)
            {
                var block = Vector512<float>.Zero;
                int stop = i + Math.Min((n - i) / 16, BlockVectors) * 16;
                for (; i < stop; i += 16)
                    block += f.Apply(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512.LoadUnsafe(ref yr, (nuint)i));
                total += Vector512.Sum(block);
            }
            if (i < n)
            {
                Span<float> bx = stackalloc float[16];
                Span<float> by = stackalloc float[16];
                Pad(x[i..n], bx);
                Pad(y[i..n], by);
                var used = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n - i)).AsSingle();
                total += Vector512.Sum(f.Apply(Vector512.Create((ReadOnlySpan<float>)bx), Vector512.Create((ReadOnlySpan<float>)by)) & used);
            }
            return total;
        }
        if (Simd.Level == SimdLevel.Vector256)
        {
            while (n - i >= 8)
            {
                var block = Vector256<float>.Zero;
                int stop = i + Math.Min((n - i) / 8, BlockVectors) * 8;
                for (; i < stop; i += 8)
                    block += f.Apply(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i));
                total += Vector256.Sum(block);
            }
            if (i < n)
            {
                Span<float> bx = stackalloc float[8];
                Span<float> by = stackalloc float[8];
                Pad(x[i..n], bx);
                Pad(y[i..n], by);
                var used = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(n - i)).AsSingle();
                total += Vector256.Sum(f.Apply(Vector256.Create((ReadOnlySpan<float>)bx), Vector256.Create((ReadOnlySpan<float>)by)) & used);
            }
            return total;
        }
        for (; i < n; i++) total += f.Apply(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
        return total;
    }

    private static void Pad(ReadOnlySpan<float> tail, Span<float> buffer)
    {
        buffer.Clear();
        tail.CopyTo(buffer);
    }
}
