using System.Runtime.CompilerServices;

namespace DeepSharp;

/// <summary>
/// One pinned buffer that holds several leaves' gradients back to back, for a transport that moves them all at once
/// (the data-parallel all-reduce). A leaf can be lent its part as its spare gradient: backward writes the leaf's next
/// gradient straight into a spare, so the gradient is in the buffer the moment it is complete, and no copy packs it.
/// </summary>
internal sealed unsafe class GradientBuffer
{
    private readonly float[] _array;
    private readonly int _start;     // the index of value 0: on a 64-byte boundary, as pooled tensors start

    /// <summary>A zeroed, pinned buffer of <paramref name="length"/> floats.</summary>
    public GradientBuffer(int length)
    {
        _array = GC.AllocateArray<float>(length + 15, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref _array[0]);
        _start = (int)((((address + 63) & ~(nint)63) - address) / sizeof(float));
        Values = _array.AsMemory(_start, length);
    }

    /// <summary>The values, for the transport (pinned for the buffer's life).</summary>
    public Memory<float> Values { get; }

    /// <summary>
    /// Makes the <paramref name="leaf"/>'s size of values from <paramref name="offset"/> on the buffer its next gradient is
    /// written into (its spare gradient), unless they already are. Only a leaf that requires grad and has no gradient yet
    /// (one that accumulates over several backward passes keeps its own).
    /// </summary>
    public void Lend(Tensor leaf, int offset)
    {
        if (!leaf._requiresGrad || leaf._madeByOp || leaf._disposed || leaf._grad is not null) return;
        if (leaf._spareGrad is { } spare && Holds(spare, offset)) return;
        if (offset < 0 || leaf._size > Values.Length - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"GradientBuffer: {leaf._size} values from {offset} on do not fit its {Values.Length}.");
        leaf._spareGrad?.Recycle();
        using (TensorScope.Suspend()) leaf._spareGrad = Tensor.OverPinnedArray(_array, _start + offset, leaf._shape);
    }

    /// <summary>Whether <paramref name="gradient"/>'s values are this buffer's from <paramref name="offset"/> on (it needs no copy).</summary>
    public bool Holds(Tensor gradient, int offset) =>
        !gradient._disposed && gradient._isContiguous && gradient._storage is { } storage && ReferenceEquals(storage.Array, _array) &&
        offset >= 0 && gradient._size <= Values.Length - offset && storage.Pointer + gradient._offset == (float*)Unsafe.AsPointer(ref _array[_start + offset]);
}
