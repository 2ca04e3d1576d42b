using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepSharp;

/// <summary>
/// The memory behind one or more tensors: a pinned float buffer from <see cref="BufferPool"/>, shared by
/// views and returned to the pool when the last tensor using it is disposed. It is the one type that owns
/// memory, so that another kind of storage (a GPU buffer) can later sit beside it.
/// </summary>
internal sealed unsafe class TensorStorage
{
    /// <summary>The buffer; pinned for its whole life, so <see cref="Pointer"/> (inside it, 64-byte aligned) stays valid.</summary>
    internal readonly float[] Array;

    /// <summary>The address of element 0 of <see cref="Array"/>.</summary>
    internal readonly float* Pointer;

    /// <summary>The pool bucket this buffer goes back to, or -1 for part of a caller's array (never pooled).</summary>
    internal readonly int Bucket;

    private int _references;

    internal TensorStorage(int capacity, int bucket)
    {
        // 15 spare floats let Pointer start on a 64-byte boundary: kernels then read rows of contiguous
        // tensors with 512-bit loads that do not straddle cache lines (unaligned B costs GEMM about 8%).
        Array = GC.AllocateUninitializedArray<float>(capacity + 15, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Array));
        Pointer = (float*)((address + 63) & ~(nint)63);
        Capacity = capacity;
        Bucket = bucket;
    }

    /// <summary>
    /// Storage that is <paramref name="length"/> floats of <paramref name="pinnedArray"/> from <paramref name="start"/> on,
    /// an array its owner allocated pinned and keeps (the buffer of a transport that moves gradients): never pooled.
    /// </summary>
    internal TensorStorage(float[] pinnedArray, int start, int length)
    {
        Array = pinnedArray;
        Pointer = (float*)Unsafe.AsPointer(ref pinnedArray[start]);
        Capacity = length;
        Bucket = -1;
        _references = 1;
    }

    /// <summary>Floats available from <see cref="Pointer"/> on.</summary>
    internal int Capacity { get; }

    internal int References => Volatile.Read(ref _references);

    /// <summary>Rents storage for at least <paramref name="length"/> floats, with one reference held.</summary>
    internal static TensorStorage Rent(int length)
    {
        var storage = BufferPool.Rent(length);
        storage._references = 1;
        return storage;
    }

    internal void Retain() => Interlocked.Increment(ref _references);

    internal void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0 && Bucket >= 0) BufferPool.Return(this);
        else if (left < 0) throw new InvalidOperationException("Tensor storage released more often than it was retained.");
    }
}
