namespace DeepSharp.Kernels;

/// <summary>Copies an n-dimensional strided view into contiguous memory (the work behind Contiguous()).</summary>
internal static unsafe class StridedCopy
{
    /// <summary>
    /// Copies the elements of the view (<paramref name="shape"/>, <paramref name="strides"/>, starting at
    /// <paramref name="source"/>) in row-major order into <paramref name="destination"/>.
    /// </summary>
    internal static void ToContiguous(float* source, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, float* destination)
    {
        Span<int> dims = stackalloc int[TensorShape.MaxRank];
        Span<int> steps = stackalloc int[TensorShape.MaxRank];
        int rank = Coalesce(shape, strides, dims, steps);
        if (rank == 0)
        {
            *destination = *source;
            return;
        }
        int inner = dims[rank - 1];
        int innerStep = steps[rank - 1];
        Span<int> index = stackalloc int[TensorShape.MaxRank];
        index.Clear();
        long outerCount = 1;
        for (int d = 0; d < rank - 1; d++) outerCount *= dims[d];
        float* dst = destination;
        for (long outer = 0; outer < outerCount; outer++)
        {
            long offset = 0;
            for (int d = 0; d < rank - 1; d++) offset += (long)index[d] * steps[d];
            float* src = source + offset;
            if (innerStep == 1) new ReadOnlySpan<float>(src, inner).CopyTo(new Span<float>(dst, inner));
            else if (innerStep == 0) new Span<float>(dst, inner).Fill(*src);
            else for (int i = 0; i < inner; i++) dst[i] = src[(long)i * innerStep];
            dst += inner;
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < dims[d]) break;
                index[d] = 0;
            }
        }
    }

    /// <summary>
    /// Drops size-1 dimensions and merges neighbours that are laid out one after the other, so loops run
    /// over as few, as long dimensions as possible. Returns the new rank.
    /// </summary>
    internal static int Coalesce(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, Span<int> dims, Span<int> steps)
    {
        int rank = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            if (rank > 0 && steps[rank - 1] == (long)strides[d] * shape[d])
            {
                dims[rank - 1] *= shape[d];
                steps[rank - 1] = strides[d];
            }
            else
            {
                dims[rank] = shape[d];
                steps[rank] = strides[d];
                rank++;
            }
        }
        return rank;
    }
}
