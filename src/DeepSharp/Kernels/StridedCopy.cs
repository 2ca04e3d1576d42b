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
        Span<int> dims = stackalloc int[Dims8.MaxRank];
        Span<int> steps = stackalloc int[Dims8.MaxRank];
        int rank = Coalesce(shape, strides, dims, steps);
        if (rank == 0)
        {
            *destination = *source;
            return;
        }
        int inner = dims[rank - 1];
        int innerStep = steps[rank - 1];
        Span<int> index = stackalloc int[Dims8.MaxRank];
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
    /// Copies the view (<paramref name="shape"/>, <paramref name="sourceStrides"/>) at <paramref name="source"/>
    /// element for element into the view (<paramref name="shape"/>, <paramref name="destinationStrides"/>) at
    /// <paramref name="destination"/>: concatenation, slicing back, any layout into any other.
    /// </summary>
    internal static void Copy(float* source, ReadOnlySpan<int> sourceStrides, float* destination, ReadOnlySpan<int> destinationStrides, ReadOnlySpan<int> shape)
    {
        // Coalesce dimensions that are laid out one after the other in both views.
        Span<int> dims = stackalloc int[Dims8.MaxRank];
        Span<int> from = stackalloc int[Dims8.MaxRank];
        Span<int> to = stackalloc int[Dims8.MaxRank];
        int rank = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 0) return;
            if (shape[d] == 1) continue;
            if (rank > 0 && from[rank - 1] == (long)sourceStrides[d] * shape[d] && to[rank - 1] == (long)destinationStrides[d] * shape[d])
            {
                dims[rank - 1] *= shape[d];
                from[rank - 1] = sourceStrides[d];
                to[rank - 1] = destinationStrides[d];
            }
            else
            {
                dims[rank] = shape[d];
                from[rank] = sourceStrides[d];
                to[rank] = destinationStrides[d];
                rank++;
            }
        }
        if (rank == 0)
        {
            *destination = *source;
            return;
        }
        int inner = dims[rank - 1], fromStep = from[rank - 1], toStep = to[rank - 1];
        Span<int> index = stackalloc int[Dims8.MaxRank];
        index.Clear();
        long outerCount = 1;
        for (int d = 0; d < rank - 1; d++) outerCount *= dims[d];
        for (long outer = 0; outer < outerCount; outer++)
        {
            long sourceOffset = 0, destinationOffset = 0;
            for (int d = 0; d < rank - 1; d++)
            {
                sourceOffset += (long)index[d] * from[d];
                destinationOffset += (long)index[d] * to[d];
            }
            float* src = source + sourceOffset;
            float* dst = destination + destinationOffset;
            if (fromStep == 1 && toStep == 1) new ReadOnlySpan<float>(src, inner).CopyTo(new Span<float>(dst, inner));
            else for (int i = 0; i < inner; i++) dst[(long)i * toStep] = src[(long)i * fromStep];
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
