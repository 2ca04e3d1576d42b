using System.Runtime.InteropServices;

namespace DeepSharp.Kernels;

/// <summary>
/// Transformed kernels kept between calls on one thread, each beside a copy of the kernel it was made from, for
/// inference: from one batch to the next the weights do not change, and a call whose kernel has the bits of the kept
/// copy takes the kept transform instead of making it again (the seed CNN's second layer spent a sixth of Predict at
/// batch 1 transforming its kernel for Winograd). Every bit is compared, so a kernel changed in place since (a training
/// step, a load) is never missed; an entry is found by the kernel's address and the caller's key (what the transform
/// is), and a few are kept, the oldest replaced first.
/// </summary>
internal sealed unsafe class TransformedKernelCache
{
    private const int Capacity = 8;

    [ThreadStatic] private static TransformedKernelCache? t_current;

    private readonly Entry[] _entries = new Entry[Capacity];
    private int _next;

    internal static TransformedKernelCache Current => t_current ??= new TransformedKernelCache();

    /// <summary>
    /// The transform (<paramref name="transformedFloats"/> floats) kept for <paramref name="kernel"/>
    /// (<paramref name="floats"/> floats) under <paramref name="key"/> when the kernel still has the bits it had then;
    /// else null.
    /// </summary>
    internal float* Find(float* kernel, long floats, long key, long transformedFloats)
    {
        foreach (ref var entry in _entries.AsSpan())
            if (entry.Kernel == kernel && entry.Key == key && entry.Floats == floats && entry.TransformedFloats == transformedFloats
                && new ReadOnlySpan<byte>(kernel, checked((int)(floats * sizeof(float)))).SequenceEqual(new ReadOnlySpan<byte>(entry.Copy, (int)(floats * sizeof(float)))))
                return entry.Transformed;
        return null;
    }

    /// <summary>
    /// Keeps a copy of <paramref name="kernel"/> under <paramref name="key"/> and returns room for its transform
    /// (<paramref name="transformedFloats"/> floats), which the caller writes now.
    /// </summary>
    internal float* Keep(float* kernel, long floats, long key, long transformedFloats)
    {
        int slot = -1;
        for (int i = 0; i < Capacity && slot < 0; i++)
            if (_entries[i].Kernel == kernel && _entries[i].Key == key) slot = i;
        if (slot < 0)
        {
            slot = _next;
            _next = (_next + 1) % Capacity;
        }
        ref var entry = ref _entries[slot];
        entry.Kernel = null; // not findable until both buffers are written
        entry.Copy = Grow(entry.Copy, ref entry.CopyCapacity, floats);
        entry.Transformed = Grow(entry.Transformed, ref entry.TransformedCapacity, transformedFloats);
        Buffer.MemoryCopy(kernel, entry.Copy, floats * sizeof(float), floats * sizeof(float));
        entry.Key = key;
        entry.Floats = floats;
        entry.TransformedFloats = transformedFloats;
        entry.Kernel = kernel;
        return entry.Transformed;
    }

    private static float* Grow(float* pointer, ref long capacity, long floats)
    {
        if (capacity >= floats) return pointer;
        NativeMemory.AlignedFree(pointer);
        capacity = floats;
        return (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
    }

    ~TransformedKernelCache()
    {
        foreach (var entry in _entries)
        {
            NativeMemory.AlignedFree(entry.Copy);
            NativeMemory.AlignedFree(entry.Transformed);
        }
    }

    private struct Entry
    {
        public float* Kernel, Copy, Transformed;
        public long Key, Floats, TransformedFloats, CopyCapacity, TransformedCapacity;
    }
}
