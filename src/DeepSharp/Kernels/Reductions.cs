using System.Numerics.Tensors;

namespace DeepSharp.Kernels;

/// <summary>The reductions a tensor library needs over one axis of a contiguous [outer, n, inner] layout.</summary>
internal enum ReduceKind
{
    Sum,
    Max,
    Min,
}

/// <summary>Sums and extremes over axes of contiguous data, vectorized along whichever dimension is contiguous.</summary>
internal static unsafe class Reductions
{
    /// <summary>
    /// Reduces the middle axis of <paramref name="source"/>, viewed as [outer, n, inner], into
    /// <paramref name="destination"/> of [outer, inner].
    /// </summary>
    internal static void ReduceAxis(ReduceKind kind, float* source, int outer, int n, int inner, float* destination)
    {
        for (int o = 0; o < outer; o++)
        {
            float* block = source + (long)o * n * inner;
            if (inner == 1)
            {
                var row = new ReadOnlySpan<float>(block, n);
                destination[o] = kind switch
                {
                    ReduceKind.Sum => TensorPrimitives.Sum(row),
                    ReduceKind.Max => TensorPrimitives.Max(row),
                    _ => TensorPrimitives.Min(row),
                };
                continue;
            }
            var result = new Span<float>(destination + (long)o * inner, inner);
            new ReadOnlySpan<float>(block, inner).CopyTo(result);
            for (int j = 1; j < n; j++)
            {
                var slice = new ReadOnlySpan<float>(block + (long)j * inner, inner);
                switch (kind)
                {
                    case ReduceKind.Sum: TensorPrimitives.Add(result, slice, result); break;
                    case ReduceKind.Max: TensorPrimitives.Max(result, slice, result); break;
                    default: TensorPrimitives.Min(result, slice, result); break;
                }
            }
        }
    }

    /// <summary>
    /// The index along the middle axis of the largest (or smallest) value, for each of [outer, inner];
    /// the first one wins ties, as in NumPy.
    /// </summary>
    internal static void ArgExtremeAxis(bool largest, float* source, int outer, int n, int inner, int* destination)
    {
        for (int o = 0; o < outer; o++)
        {
            float* block = source + (long)o * n * inner;
            if (inner == 1)
            {
                var row = new ReadOnlySpan<float>(block, n);
                destination[o] = largest ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
                continue;
            }
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                float bestValue = block[i];
                for (int j = 1; j < n; j++)
                {
                    float v = block[(long)j * inner + i];
                    if (largest ? v > bestValue : v < bestValue)
                    {
                        best = j;
                        bestValue = v;
                    }
                    else if (float.IsNaN(v) && !float.IsNaN(bestValue))
                    {
                        best = j; // NaN propagates as the extreme, as NumPy's argmax
                        bestValue = v;
                    }
                }
                destination[(long)o * inner + i] = best;
            }
        }
    }

    /// <summary>
    /// Sums contiguous <paramref name="source"/> of shape <paramref name="sourceShape"/> down to
    /// <paramref name="targetShape"/>, a shape it was broadcast from (the gradient of broadcasting).
    /// </summary>
    internal static void SumToShape(float* source, ReadOnlySpan<int> sourceShape, float* destination, ReadOnlySpan<int> targetShape)
    {
        int rank = sourceShape.Length;
        int pad = rank - targetShape.Length;
        // Merge neighbouring dimensions that are both kept or both reduced: runs of [kept][reduced]...
        Span<int> dims = stackalloc int[TensorShape.MaxRank];
        Span<bool> reduced = stackalloc bool[TensorShape.MaxRank];
        int runs = 0;
        for (int d = 0; d < rank; d++)
        {
            int size = sourceShape[d];
            if (size == 1) continue;
            bool isReduced = d < pad || targetShape[d - pad] == 1;
            if (runs > 0 && reduced[runs - 1] == isReduced) dims[runs - 1] *= size;
            else
            {
                dims[runs] = size;
                reduced[runs] = isReduced;
                runs++;
            }
        }
        long targetSize = 1;
        foreach (int d in targetShape) targetSize *= d;
        var target = new Span<float>(destination, (int)targetSize);
        if (runs == 0)
        {
            target[0] = *source;
            return;
        }
        // The last run is reduced (sum rows) or kept (add rows); earlier runs are walked as an odometer.
        target.Clear();
        Span<int> index = stackalloc int[TensorShape.MaxRank];
        index.Clear();
        int inner = dims[runs - 1];
        bool innerReduced = reduced[runs - 1];
        long outer = 1;
        for (int r = 0; r < runs - 1; r++) outer *= dims[r];
        float* src = source;
        for (long row = 0; row < outer; row++)
        {
            long targetOffset = 0;
            for (int r = 0; r < runs - 1; r++)
                if (!reduced[r]) targetOffset = targetOffset * dims[r] + index[r];
            var values = new ReadOnlySpan<float>(src, inner);
            if (innerReduced) destination[targetOffset] += TensorPrimitives.Sum(values);
            else
            {
                var slot = new Span<float>(destination + targetOffset * inner, inner);
                TensorPrimitives.Add(slot, values, slot);
            }
            src += inner;
            for (int r = runs - 2; r >= 0; r--)
            {
                if (++index[r] < dims[r]) break;
                index[r] = 0;
            }
        }
    }
}
