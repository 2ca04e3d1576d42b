using System.Runtime.InteropServices;

namespace DeepSharp.Kernels;

/// <summary>
/// One thread's packing buffers: native, 64-byte aligned (a zmm load never splits a cache line), allocated on
/// first use, grown only if a kernel asks for more, and freed when the thread's last reference goes away.
/// A GEMM call itself allocates nothing.
/// </summary>
internal sealed unsafe class GemmBuffers
{
    [ThreadStatic] private static GemmBuffers? t_current;

    private readonly Slot[] _slots = new Slot[7];

    internal const int A = 0, B = 1, AEdge = 2, BEdge = 3, Tile = 4, KBlockSums = 5, KernelPanels = 6;

    internal static GemmBuffers Current => t_current ??= new GemmBuffers();

    /// <summary>The buffer in <paramref name="slot"/>, with room for at least <paramref name="floats"/> floats.</summary>
    internal float* Get(int slot, long floats)
    {
        ref var s = ref _slots[slot];
        if (s.Capacity < floats)
        {
            NativeMemory.AlignedFree(s.Pointer);
            s.Pointer = null;
            s.Capacity = 0;
            s.Pointer = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            s.Capacity = floats;
        }
        return s.Pointer;
    }

    ~GemmBuffers()
    {
        for (int i = 0; i < _slots.Length; i++) NativeMemory.AlignedFree(_slots[i].Pointer);
    }

    private struct Slot
    {
        public float* Pointer;
        public long Capacity;
    }
}
