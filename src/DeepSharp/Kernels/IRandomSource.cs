namespace DeepSharp.Kernels;

/// <summary>
/// Where a kernel that needs randomness (a dropout mask) takes its seed words from: the library's random
/// generator, seen by the kernels through this face alone.
/// </summary>
internal interface IRandomSource
{
    /// <summary>The next 64 random bits.</summary>
    ulong NextUInt64();
}
