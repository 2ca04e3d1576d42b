using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace DeepSharp;

/// <summary>
/// The dimensions of a tensor, stored inline (a value type: reading <c>tensor.Shape</c> never allocates).
/// Negative indices count from the end, as in NumPy: <c>shape[-1]</c> is the last dimension.
/// </summary>
[CollectionBuilder(typeof(TensorShape), nameof(Create))]
public readonly struct TensorShape : IEquatable<TensorShape>, IEnumerable<int>
{
    /// <summary>The largest number of dimensions a tensor can have.</summary>
    public const int MaxRank = Dims8.MaxRank;

    private readonly Dims8 _dims;

    /// <summary>The number of dimensions.</summary>
    public int Rank { get; }

    /// <summary>Creates a shape from its dimensions; for languages without span parameters (F#).</summary>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(-1)] // C# takes the span overload
    public TensorShape(params int[] dims) : this((ReadOnlySpan<int>)(dims ?? throw new ArgumentNullException(nameof(dims))))
    {
    }

    /// <summary>Creates a shape from its dimensions; each must be non-negative.</summary>
    public TensorShape(params ReadOnlySpan<int> dims)
    {
        if (dims.Length > MaxRank)
            throw new ArgumentException($"A tensor has at most {MaxRank} dimensions; got {dims.Length}.", nameof(dims));
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] < 0)
                throw new ArgumentException($"Dimension {i} of shape {Format(dims)} is negative.", nameof(dims));
            _dims[i] = dims[i];
        }
        Rank = dims.Length;
    }

    /// <summary>Builds a shape from a collection expression: <c>TensorShape shape = [28, 28];</c></summary>
    public static TensorShape Create(ReadOnlySpan<int> dims) => new(dims);

    /// <summary>The size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int this[int axis] => _dims[NormalizeAxis(axis, Rank)];

    /// <summary>The number of elements: the product of the dimensions (1 for a scalar).</summary>
    public int Size
    {
        get
        {
            long size = LongSize;
            if (size > int.MaxValue)
                throw new InvalidOperationException($"Shape {this} has {FormatCount(size)} elements, more than a tensor can hold ({int.MaxValue}).");
            return (int)size;
        }
    }

    /// <summary>The number of elements as a 64-bit count, <see cref="long.MaxValue"/> when even that overflows (eight large dimensions).</summary>
    internal long LongSize
    {
        get
        {
            long size = 1;
            for (int i = 0; i < Rank; i++)
                if (_dims[i] == 0) return 0;
            for (int i = 0; i < Rank; i++)
            {
                if (size > long.MaxValue / _dims[i]) return long.MaxValue;
                size *= _dims[i];
            }
            return size;
        }
    }

    /// <summary>An element count for messages, "more than 9223372036854775807" when it saturated.</summary>
    internal static string FormatCount(long count) => count == long.MaxValue ? $"more than {long.MaxValue}" : count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The dimensions as a read-only span (valid while this value lives).</summary>
    [UnscopedRef]
    public ReadOnlySpan<int> Dims => ((ReadOnlySpan<int>)_dims)[..Rank];

    /// <summary>The dimensions as a new array.</summary>
    public int[] ToArray() => Dims.ToArray();

    /// <summary>Turns a possibly negative axis into an index in [0, rank).</summary>
    public static int NormalizeAxis(int axis, int rank)
    {
        int normalized = axis < 0 ? axis + rank : axis;
        if ((uint)normalized >= (uint)rank)
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for a tensor of rank {rank} (valid: {-rank} to {rank - 1}).");
        return normalized;
    }

    /// <summary>This shape with dimension <paramref name="axis"/> replaced by <paramref name="size"/>.</summary>
    public TensorShape With(int axis, int size)
    {
        Span<int> dims = stackalloc int[Rank];
        Dims.CopyTo(dims);
        dims[NormalizeAxis(axis, Rank)] = size;
        return new TensorShape(dims);
    }

    /// <summary>Enumerates the dimensions.</summary>
    public IEnumerator<int> GetEnumerator()
    {
        for (int i = 0; i < Rank; i++) yield return _dims[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(TensorShape other) => Dims.SequenceEqual(other.Dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TensorShape other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int d in Dims) hash.Add(d);
        return hash.ToHashCode();
    }

    /// <summary>Shapes are equal when they have the same dimensions.</summary>
    public static bool operator ==(TensorShape left, TensorShape right) => left.Equals(right);

    /// <summary>Shapes differ when any dimension differs.</summary>
    public static bool operator !=(TensorShape left, TensorShape right) => !left.Equals(right);

    /// <summary>Converts an array of dimensions to a shape.</summary>
    public static implicit operator TensorShape(int[] dims) => new(dims);

    /// <summary>Formats like Python: <c>(32, 28, 28)</c>, <c>(10,)</c>, <c>()</c>.</summary>
    public override string ToString() => Format(Dims);

    /// <summary>Formats a per-sample shape with Keras' unknown batch dimension first: <c>(None, 28, 28)</c>.</summary>
    internal string FormatBatch() =>
        Rank == 0 ? "(None,)" : "(None, " + string.Join(", ", ToArray()) + ")";

    internal static string Format(ReadOnlySpan<int> dims)
    {
        if (dims.Length == 1) return $"({dims[0]},)";
        var sb = new StringBuilder("(");
        for (int i = 0; i < dims.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(dims[i]);
        }
        return sb.Append(')').ToString();
    }
}
