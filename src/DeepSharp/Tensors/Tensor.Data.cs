using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using DeepSharp.Kernels;

namespace DeepSharp;

public sealed unsafe partial class Tensor
{
    /// <summary>The element at <paramref name="index"/> (one index per dimension; negative counts from the end).</summary>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public float this[params ReadOnlySpan<int> index]
    {
        get => *(Storage.Pointer + ElementOffset(index));
        set => *(Storage.Pointer + ElementOffset(index)) = value;
    }

    /// <summary>The element at <paramref name="index"/>; for languages without span parameters (F#: <c>t.[[| 0; 1 |]]</c>).</summary>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(-1)] // C# takes the span overload
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public float this[params int[] index]
    {
        get => this[(ReadOnlySpan<int>)(index ?? throw new ArgumentNullException(nameof(index)))];
        set => this[(ReadOnlySpan<int>)(index ?? throw new ArgumentNullException(nameof(index)))] = value;
    }

    /// <summary>The value of a one-element tensor (a loss, a metric).</summary>
    public float Item()
    {
        ThrowIfDisposed();
        if (_size != 1)
            throw new InvalidOperationException($"Item: the tensor has shape {_shape} ({_size} elements); Item needs exactly one.");
        return *(_storage!.Pointer + _offset);
    }

    /// <summary>The elements in row-major order, as a new array.</summary>
    public float[] ToArray()
    {
        var values = new float[Size];
        CopyTo(values);
        return values;
    }

    /// <summary>Copies the elements in row-major order into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<float> destination)
    {
        ThrowIfDisposed();
        if (destination.Length < _size)
            throw new ArgumentException($"CopyTo: the destination holds {destination.Length} values; the tensor has {_size}.", nameof(destination));
        if (_isContiguous)
        {
            Span.CopyTo(destination);
            return;
        }
        fixed (float* dst = destination) StridedCopy.ToContiguous(Pointer, _shape.Dims, Strides, dst);
    }

    /// <summary>Overwrites the elements, in row-major order, from <paramref name="source"/> (a contiguous tensor).</summary>
    public void CopyFrom(ReadOnlySpan<float> source)
    {
        ThrowIfDisposed();
        if (!_isContiguous) throw new InvalidOperationException("CopyFrom: the tensor is a non-contiguous view; copy into a contiguous tensor.");
        if (source.Length != _size)
            throw new ArgumentException($"CopyFrom: {source.Length} values given for a tensor of shape {_shape} ({_size} elements).", nameof(source));
        source.CopyTo(Span);
    }

    /// <summary>Writes the elements times <paramref name="scale"/>, in row-major order, into <paramref name="destination"/> (one pass when contiguous).</summary>
    internal void CopyTo(Span<float> destination, float scale)
    {
        if (scale == 1f || !_isContiguous)
        {
            CopyTo(destination);
            if (scale != 1f) TensorPrimitives.Multiply(destination[.._size], scale, destination[.._size]);
            return;
        }
        ThrowIfDisposed();
        if (destination.Length < _size)
            throw new ArgumentException($"CopyTo: the destination holds {destination.Length} values; the tensor has {_size}.", nameof(destination));
        TensorPrimitives.Multiply(Span, scale, destination[.._size]);
    }

    /// <summary>Overwrites the elements with <paramref name="source"/> times <paramref name="scale"/> (a contiguous tensor), in one pass.</summary>
    internal void CopyFrom(ReadOnlySpan<float> source, float scale)
    {
        ThrowIfDisposed();
        if (!_isContiguous) throw new InvalidOperationException("CopyFrom: the tensor is a non-contiguous view; copy into a contiguous tensor.");
        if (source.Length != _size)
            throw new ArgumentException($"CopyFrom: {source.Length} values given for a tensor of shape {_shape} ({_size} elements).", nameof(source));
        TensorPrimitives.Multiply(source, scale, Span);
    }

    /// <summary>A contiguous copy of this tensor's values (no gradient link).</summary>
    internal Tensor ContiguousCopy()
    {
        var copy = Uninitialized(Shape);
        CopyTo(copy.Span);
        return copy;
    }

    /// <summary>Sums this tensor down to <paramref name="shape"/>, which it was broadcast from (no gradient link).</summary>
    internal Tensor SumToShape(in TensorShape shape)
    {
        if (!Broadcasting.CanBroadcastTo(shape, _shape))
            throw new ArgumentException($"SumToShape: shape {_shape} is not a broadcast of {shape}.");
        var source = _isContiguous ? this : ContiguousCopy();
        var result = Uninitialized(shape);
        Reductions.SumToShape(source.Pointer, source._shape.Dims, result.Pointer, shape.Dims);
        if (!ReferenceEquals(source, this)) source.Recycle();
        return result;
    }

    private long ElementOffset(ReadOnlySpan<int> index)
    {
        ThrowIfDisposed();
        if (index.Length != Rank)
            throw new ArgumentException($"Indexer: a tensor of shape {_shape} takes {Rank} indices, got {index.Length}.", nameof(index));
        long offset = _offset;
        for (int d = 0; d < index.Length; d++)
        {
            int i = index[d] < 0 ? index[d] + _shape[d] : index[d];
            if ((uint)i >= (uint)_shape[d])
                throw new IndexOutOfRangeException($"Indexer: index {index[d]} is out of range for dimension {d} of size {_shape[d]} (shape {_shape}).");
            offset += (long)i * _strides[d];
        }
        return offset;
    }

    /// <summary>Formats like PyTorch: the values (abbreviated when large), then the shape.</summary>
    public override string ToString()
    {
        if (_disposed) return "Tensor(disposed)";
        var values = ToArray();
        var sb = new StringBuilder("tensor(");
        if (Rank == 0) sb.Append(FormatValue(values[0]));
        else AppendNested(sb, values, 0, 0, indent: 7);
        sb.Append(", shape=").Append(_shape.ToString());
        if (_requiresGrad) sb.Append(", requiresGrad=true");
        return sb.Append(')').ToString();
    }

    private void AppendNested(StringBuilder sb, float[] values, int dim, int start, int indent)
    {
        const int edge = 3; // like NumPy: show the first and last three when a dimension is longer than six
        int size = _shape[dim];
        int stride = 1;
        for (int d = dim + 1; d < Rank; d++) stride *= _shape[d];
        sb.Append('[');
        for (int i = 0; i < size; i++)
        {
            if (size > 2 * edge && i == edge)
            {
                sb.Append(dim == Rank - 1 ? "..., " : "...,\n" + new string(' ', indent + 1));
                i = size - edge;
            }
            if (dim == Rank - 1) sb.Append(FormatValue(values[start + i]));
            else AppendNested(sb, values, dim + 1, start + i * stride, indent + 1);
            if (i < size - 1) sb.Append(dim == Rank - 1 ? ", " : ",\n" + new string(' ', indent + 1));
        }
        sb.Append(']');
    }

    private static string FormatValue(float value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
}
