using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace DeepSharp;

/// <summary>
/// An n-dimensional array of float32 values with reverse-mode automatic differentiation.
/// A tensor is a shape, strides and an offset into shared <see cref="TensorStorage"/>: views (reshape,
/// transpose, slice) share storage with the tensor they come from.
/// </summary>
/// <remarks>
/// Tensors hold pooled memory. Inside a <see cref="TensorScope"/> every tensor created is disposed when the
/// scope ends, which is how a training step runs without allocating; outside a scope the garbage collector
/// frees them. Use a tensor after its scope ended and you get an <see cref="ObjectDisposedException"/>.
/// </remarks>
[DebuggerDisplay("{DebuggerText,nq}")]
public sealed unsafe partial class Tensor : IDisposable
{
    internal TensorStorage? _storage;
    internal int _offset;
    internal TensorShape _shape;
    internal Dims8 _strides;
    internal int _size;
    internal bool _isContiguous;

    // Autograd state. A tensor made by a differentiable op has a node; a leaf that requires grad has none.
    internal bool _requiresGrad;
    internal Node? _node;
    internal string? _producer;   // the op that produced it, kept after its node was released (null for a leaf)
    internal bool _madeByOp => _producer is not null;
    internal Tensor? _grad;
    internal Tensor? _spareGrad;  // a released gradient buffer kept for reuse by the next backward pass
    internal int _recordedReaders; // recorded ops that took it as an input: their backward may read its values

    // Lifetime state.
    internal int _scopeSlot = -1;
    internal bool _disposed;
    internal int _generation;     // counts recycles, so a graph can tell a reused tensor object from the one it saw

    private Tensor() { }

    /// <summary>
    /// The most values one tensor can hold: a .NET array's limit (<see cref="Array.MaxLength"/>) less the 15 spare
    /// floats that align storage to 64 bytes. Creating a larger tensor throws an <see cref="ArgumentException"/>.
    /// </summary>
    public const int MaxSize = 0x7FFFFFC7 - 15;

    /// <summary>An optional name, used in messages and when saving weights.</summary>
    public string? Name { get; set; }

    /// <summary>The dimensions of this tensor.</summary>
    public TensorShape Shape
    {
        get { ThrowIfDisposed(); return _shape; }
    }

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Rank;

    /// <summary>The number of elements.</summary>
    public int Size => _size;

    /// <summary>Whether the elements lie in storage in row-major order with no gaps.</summary>
    public bool IsContiguous => _isContiguous;

    /// <summary>Whether this tensor has been disposed (its memory went back to the pool).</summary>
    public bool IsDisposed => _disposed;

    /// <summary>The stride of dimension <paramref name="axis"/>, in elements.</summary>
    public int Stride(int axis) => _strides[TensorShape.NormalizeAxis(axis, Rank)];

    internal ReadOnlySpan<int> Strides => ((ReadOnlySpan<int>)_strides)[..Rank];

    internal TensorStorage Storage
    {
        get { ThrowIfDisposed(); return _storage!; }
    }

    /// <summary>Address of element 0. Valid while the tensor lives: storage is pinned.</summary>
    internal float* Pointer
    {
        get { ThrowIfDisposed(); return _storage!.Pointer + _offset; }
    }

    /// <summary>The elements of a contiguous tensor, in order.</summary>
    internal Span<float> Span
    {
        get
        {
            ThrowIfDisposed();
            Debug.Assert(_isContiguous, "Span is only defined for contiguous tensors.");
            return new Span<float>(_storage!.Pointer + _offset, _size);
        }
    }

    // ---- Construction, pooling and disposal ----------------------------------------------------------

    [ThreadStatic] private static Stack<Tensor>? t_objectPool;
    private const int ObjectPoolLimit = 4096;

    private static Tensor NewObject()
    {
        var pool = t_objectPool;
        if (pool != null && pool.TryPop(out var tensor)) return tensor;
        return new Tensor();
    }

    /// <summary>A new contiguous tensor with fresh (uninitialised) pooled storage.</summary>
    internal static Tensor Uninitialized(in TensorShape shape)
    {
        long elements = shape.LongSize;
        if (elements > MaxSize)
            throw new ArgumentException(
                $"A tensor of shape {shape} would hold {TensorShape.FormatCount(elements)} values; a tensor holds at most {MaxSize} (Tensor.MaxSize).", nameof(shape));
        var tensor = NewObject();
        int size = (int)elements;
        tensor._storage = TensorStorage.Rent(size);
        tensor.InitializeLayout(shape, 0, size);
        tensor.SetContiguousStrides();
        TensorScope.Register(tensor);
        return tensor;
    }

    /// <summary>
    /// A contiguous tensor of <paramref name="shape"/> whose storage is part of <paramref name="pinnedArray"/> from
    /// <paramref name="start"/> on: an array allocated pinned, which its owner keeps for as long as the tensor lives.
    /// </summary>
    internal static Tensor OverPinnedArray(float[] pinnedArray, int start, in TensorShape shape)
    {
        int size = shape.Size;
        if (start < 0 || size > pinnedArray.Length - start)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"A tensor of shape {shape} does not fit an array of {pinnedArray.Length} values from {start} on.");
        var tensor = NewObject();
        tensor._storage = new TensorStorage(pinnedArray, start, size);
        tensor.InitializeLayout(shape, 0, size);
        tensor.SetContiguousStrides();
        TensorScope.Register(tensor);
        return tensor;
    }

    /// <summary>A new contiguous tensor filled with zeros.</summary>
    internal static Tensor Zeroed(in TensorShape shape)
    {
        var tensor = Uninitialized(shape);
        tensor.Span.Clear();
        return tensor;
    }

    /// <summary>A tensor sharing <paramref name="source"/>'s storage with another layout.</summary>
    internal static Tensor View(Tensor source, in TensorShape shape, ReadOnlySpan<int> strides, int offset)
    {
        var storage = source.Storage;
        storage.Retain();
        var tensor = NewObject();
        tensor._storage = storage;
        tensor.InitializeLayout(shape, offset, shape.Size);
        for (int i = 0; i < shape.Rank; i++) tensor._strides[i] = strides[i];
        tensor._isContiguous = tensor.ComputeIsContiguous();
        TensorScope.Register(tensor);
        return tensor;
    }

    /// <summary>A view of contiguous <paramref name="source"/> with another shape of the same size.</summary>
    internal static Tensor ContiguousView(Tensor source, in TensorShape shape)
    {
        Debug.Assert(source._isContiguous && shape.Size == source._size);
        var storage = source.Storage;
        storage.Retain();
        var tensor = NewObject();
        tensor._storage = storage;
        tensor.InitializeLayout(shape, source._offset, source._size);
        tensor.SetContiguousStrides();
        TensorScope.Register(tensor);
        return tensor;
    }

    private void InitializeLayout(in TensorShape shape, int offset, int size)
    {
        _shape = shape;
        _offset = offset;
        _size = size;
        _disposed = false;
        _requiresGrad = false;
        _producer = null;
        _node = null;
        _grad = null;
        _spareGrad = null;
        _recordedReaders = 0;
        Name = null;
    }

    private void SetContiguousStrides()
    {
        int stride = 1;
        for (int i = _shape.Rank - 1; i >= 0; i--)
        {
            _strides[i] = stride;
            stride *= _shape[i];
        }
        _isContiguous = true;
    }

    private bool ComputeIsContiguous()
    {
        int expected = 1;
        for (int i = _shape.Rank - 1; i >= 0; i--)
        {
            int dim = _shape[i];
            if (dim != 1 && _strides[i] != expected) return false;
            expected *= dim;
        }
        return true;
    }

    /// <summary>
    /// Releases this tensor's memory now instead of at the end of its scope or at garbage collection.
    /// Using it afterwards throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        TensorScope.Unregister(this);
        ReleaseResources();
    }

    /// <summary>
    /// Disposes a tensor the library owns (a scope's tensor, a temporary of backward) and returns the object
    /// to the pool. Never call this on a tensor a user may still hold outside its scope.
    /// </summary>
    internal void Recycle()
    {
        if (_disposed) return;
        TensorScope.Unregister(this);
        ReleaseResources();
        var pool = t_objectPool ??= new Stack<Tensor>(256);
        if (pool.Count < ObjectPoolLimit) pool.Push(this);
    }

    private void ReleaseResources()
    {
        _disposed = true;
        _generation++;
        if (_node != null)
        {
            _node.Release();
            _node = null;
        }
        _grad?.Recycle();
        _spareGrad?.Recycle();
        _grad = null;
        _spareGrad = null;
        _storage?.Release();
        _storage = null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ThrowIfDisposed()
    {
        if (_disposed) ThrowDisposed();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDisposed() => throw new ObjectDisposedException(
        nameof(Tensor),
        $"Tensor{(Name is null ? "" : $" '{Name}'")} was disposed (its TensorScope ended or Dispose was called). " +
        "Read the values you need inside the scope, or call TensorScope.Keep(tensor) to keep it.");

    private string DebuggerText => _disposed ? "Tensor (disposed)" : $"Tensor {_shape}";
}
