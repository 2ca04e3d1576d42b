using System.Runtime.InteropServices;

namespace DeepSharp.Kernels;

/// <summary>
/// One thread's scratch for the convolution kernels (a tile of patches, of output gradients, of patch
/// gradients, one edge tile of output, a widened image; the packed kernel and the partial gradients of a call): native, 64-byte aligned, allocated on first use, grown when a larger
/// layer asks, freed with the thread. A convolution call allocates nothing once its sizes have been seen.
/// </summary>
internal sealed unsafe class ConvolutionBuffers
{
    [ThreadStatic] private static ConvolutionBuffers? t_current;

    internal const int Patches = 0, OutputGradient = 1, PatchGradient = 2, EdgeTile = 3;

    /// <summary>A depthwise convolution's image widened to its output channels (depth multiplier above 1).</summary>
    internal const int Widened = 6;

    /// <summary>Slots of the calling thread, shared read-only with the workers during one call.</summary>
    internal const int PackedKernel = 4, Partials = 5;

    /// <summary>Winograd's input gradient: the output gradient through the activation, and the flipped kernel.</summary>
    internal const int MaskedGradient = 7, FlippedKernel = 8;

    private const int Count = 9;

    // Past each buffer's requested end: micro-kernels read whole 12-row panels, and an edge panel's last
    // rows may lie just beyond the values asked for (they only feed rows of C that are not stored).
    private const int Slack = 64;

    private readonly Slot[] _slots = new Slot[Count];

    internal static ConvolutionBuffers Current => t_current ??= new ConvolutionBuffers();

    /// <summary>The buffer in <paramref name="slot"/>, with room for at least <paramref name="floats"/> floats.</summary>
    internal float* Get(int slot, long floats)
    {
        ref var s = ref _slots[slot];
        floats += Slack;
        if (s.Capacity < floats)
        {
            NativeMemory.AlignedFree(s.Pointer);
            s.Pointer = null;
            s.Capacity = 0;
            s.Pointer = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            s.Capacity = floats;
            // Zeroed once, so that what an edge panel reads past its values is an ordinary number (never a
            // subnormal or NaN that would slow the unused lanes down).
            NativeMemory.Clear(s.Pointer, (nuint)(floats * sizeof(float)));
        }
        return s.Pointer;
    }

    ~ConvolutionBuffers()
    {
        for (int i = 0; i < _slots.Length; i++) NativeMemory.AlignedFree(_slots[i].Pointer);
    }

    private struct Slot
    {
        public float* Pointer;
        public long Capacity;
    }
}
