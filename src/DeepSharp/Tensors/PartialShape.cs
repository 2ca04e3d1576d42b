using System.Runtime.CompilerServices;
using System.Text;

namespace DeepSharp;

/// <summary>
/// A per-sample shape in which some dimensions may be unknown, as Keras' <c>shape=(None, 28)</c>: a sequence of
/// any length with 28 features. Layers declare their input with it (<c>new LSTM(32, inputShape: [null, 28])</c>,
/// <c>new Input([null, 28])</c>); tensors always have a <see cref="TensorShape"/>, whose dimensions are all known.
/// A <see cref="TensorShape"/> or an <c>int[]</c> converts to it, so known shapes are written as before.
/// </summary>
[CollectionBuilder(typeof(PartialShape), nameof(Create))]
public readonly struct PartialShape : IEquatable<PartialShape>, IEnumerable<int?>
{
    private const int Unknown = -1;

    private readonly Dims8 _dims; // Unknown (-1) where a dimension is not known

    /// <summary>The number of dimensions.</summary>
    public int Rank { get; }

    /// <summary>Creates a shape from an array of dimensions; for languages without span parameters (F#). Null is an unknown dimension.</summary>
    [OverloadResolutionPriority(-1)] // C# takes the span overload
    public PartialShape(params int?[] dims) : this((ReadOnlySpan<int?>)(dims ?? throw new ArgumentNullException(nameof(dims))))
    {
    }

    /// <summary>Creates a shape from its dimensions; null is an unknown dimension, the others must be non-negative.</summary>
    public PartialShape(params ReadOnlySpan<int?> dims)
    {
        if (dims.Length > TensorShape.MaxRank)
            throw new ArgumentException($"A shape has at most {TensorShape.MaxRank} dimensions; got {dims.Length}.", nameof(dims));
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] is < 0)
                throw new ArgumentException($"Dimension {i} of shape {Format(dims)} is negative; an unknown dimension is written null.", nameof(dims));
            _dims[i] = dims[i] ?? Unknown;
        }
        Rank = dims.Length;
    }

    private PartialShape(TensorShape known)
    {
        for (int i = 0; i < known.Rank; i++) _dims[i] = known[i];
        Rank = known.Rank;
    }

    /// <summary>Builds a shape from a collection expression: <c>PartialShape shape = [null, 28];</c></summary>
    public static PartialShape Create(ReadOnlySpan<int?> dims) => new(dims);

    /// <summary>The size of dimension <paramref name="axis"/>, null when unknown; negative axes count from the end.</summary>
    public int? this[int axis]
    {
        get
        {
            int d = _dims[TensorShape.NormalizeAxis(axis, Rank)];
            return d == Unknown ? null : d;
        }
    }

    /// <summary>Whether every dimension is known (the shape is then a <see cref="TensorShape"/>).</summary>
    public bool IsFullyKnown
    {
        get
        {
            for (int i = 0; i < Rank; i++)
                if (_dims[i] == Unknown) return false;
            return true;
        }
    }

    /// <summary>Whether dimension <paramref name="axis"/> is known; negative axes count from the end.</summary>
    public bool IsKnown(int axis) => _dims[TensorShape.NormalizeAxis(axis, Rank)] != Unknown;

    /// <summary>The shape as a <see cref="TensorShape"/>; throws when a dimension is unknown.</summary>
    /// <exception cref="InvalidOperationException">A dimension is unknown.</exception>
    public TensorShape ToTensorShape() =>
        TryGetTensorShape(out var shape)
            ? shape
            : throw new InvalidOperationException($"Shape {this} has unknown dimensions; a tensor needs every dimension known.");

    /// <summary>The shape as a <see cref="TensorShape"/> when every dimension is known.</summary>
    public bool TryGetTensorShape(out TensorShape shape)
    {
        if (!IsFullyKnown)
        {
            shape = default;
            return false;
        }
        Span<int> dims = stackalloc int[Rank];
        for (int i = 0; i < Rank; i++) dims[i] = _dims[i];
        shape = new TensorShape(dims);
        return true;
    }

    /// <summary>Whether a concrete <paramref name="shape"/> fits this one: same rank, same size on every known dimension.</summary>
    public bool Accepts(TensorShape shape)
    {
        if (shape.Rank != Rank) return false;
        for (int i = 0; i < Rank; i++)
            if (_dims[i] != Unknown && _dims[i] != shape[i]) return false;
        return true;
    }

    /// <summary>This shape with every unknown dimension set to <paramref name="size"/> (a concrete stand-in).</summary>
    public TensorShape WithUnknownAs(int size)
    {
        Span<int> dims = stackalloc int[Rank];
        for (int i = 0; i < Rank; i++) dims[i] = _dims[i] == Unknown ? size : _dims[i];
        return new TensorShape(dims);
    }

    /// <summary>This shape with dimension <paramref name="axis"/> replaced by <paramref name="size"/> (null: unknown).</summary>
    public PartialShape With(int axis, int? size)
    {
        var dims = ToArray();
        dims[TensorShape.NormalizeAxis(axis, Rank)] = size;
        return new PartialShape(dims);
    }

    /// <summary>
    /// The dimensions as a read-only span when every one is known (valid while this value lives), as
    /// <see cref="TensorShape.Dims"/>: <c>[batch, .. model.InputShape!.Value.Dims]</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A dimension is unknown.</exception>
    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public ReadOnlySpan<int> Dims => IsFullyKnown
        ? ((ReadOnlySpan<int>)_dims)[..Rank]
        : throw new InvalidOperationException($"Shape {this} has unknown dimensions; give them sizes (WithUnknownAs) or read them with the indexer.");

    /// <summary>The dimensions as a new array, null where unknown.</summary>
    public int?[] ToArray()
    {
        var dims = new int?[Rank];
        for (int i = 0; i < Rank; i++) dims[i] = this[i];
        return dims;
    }

    /// <summary>Enumerates the dimensions, null where unknown.</summary>
    public IEnumerator<int?> GetEnumerator()
    {
        for (int i = 0; i < Rank; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(PartialShape other)
    {
        if (other.Rank != Rank) return false;
        for (int i = 0; i < Rank; i++)
            if (_dims[i] != other._dims[i]) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PartialShape other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        for (int i = 0; i < Rank; i++) hash.Add(_dims[i]);
        return hash.ToHashCode();
    }

    /// <summary>Shapes are equal when they have the same rank and the same known and unknown dimensions.</summary>
    public static bool operator ==(PartialShape left, PartialShape right) => left.Equals(right);

    /// <summary>Shapes differ when a dimension differs (an unknown dimension differs from every size).</summary>
    public static bool operator !=(PartialShape left, PartialShape right) => !left.Equals(right);

    /// <summary>A shape whose dimensions are all known.</summary>
    public static implicit operator PartialShape(TensorShape shape) => new(shape);

    /// <summary>Converts an array of known dimensions.</summary>
    public static implicit operator PartialShape(int[] dims) => new(new TensorShape(dims));

    /// <summary>Formats like Keras: <c>(None, 28)</c>, <c>(10,)</c>.</summary>
    public override string ToString() => Format(ToArray());

    /// <summary>Formats a per-sample shape with Keras' unknown batch dimension first: <c>(None, None, 28)</c>.</summary>
    internal string FormatBatch() =>
        Rank == 0 ? "(None,)" : "(None, " + string.Join(", ", ToArray().Select(FormatDim)) + ")";

    private static string FormatDim(int? d) => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "None";

    private static string Format(ReadOnlySpan<int?> dims)
    {
        if (dims.Length == 1) return $"({FormatDim(dims[0])},)";
        var sb = new StringBuilder("(");
        for (int i = 0; i < dims.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(FormatDim(dims[i]));
        }
        return sb.Append(')').ToString();
    }
}
