using System.Runtime.CompilerServices;

// In the namespace of the types above it (like HardwareInfo): kernels and tensors share it, and the folder, not
// the namespace, places it in the bottom layer.
namespace DeepSharp;

/// <summary>Eight integers stored inline, so that a shape or a stride list never allocates.</summary>
[InlineArray(Dims8.MaxRank)]
internal struct Dims8
{
    /// <summary>The largest number of dimensions a tensor can have: kernels size their index arrays by it.</summary>
    internal const int MaxRank = 8;

    private int _element0;
}
