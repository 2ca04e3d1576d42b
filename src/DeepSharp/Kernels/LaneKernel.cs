namespace DeepSharp.Kernels;

/// <summary>
/// A kernel written once over lanes: <see cref="LaneKernel.Run{TKernel}(ref TKernel)"/> picks the width and calls
/// <see cref="Run{T}"/> with its lane type. Implementations keep their loop in <see cref="Run{T}"/> (copying the
/// fields they use into locals first, which the JIT keeps in registers) and mark it NoInlining when it is built
/// from many small lane helpers.
/// </summary>
internal interface ILaneKernel
{
    void Run<T>() where T : struct, ILanes<T>;
}

/// <summary>The one width dispatch of the lane kernels: <see cref="Simd.Level"/> (or a level a test names) to a lane type.</summary>
internal static class LaneKernel
{
    internal static void Run<TKernel>(ref TKernel kernel) where TKernel : struct, ILaneKernel => Run(ref kernel, Simd.Level);

    /// <summary>Runs <paramref name="kernel"/> with the lanes of <paramref name="level"/>, or of the widest level the machine has below it.</summary>
    internal static void Run<TKernel>(ref TKernel kernel, SimdLevel level) where TKernel : struct, ILaneKernel
    {
        switch ((SimdLevel)Math.Min((int)level, (int)Simd.Detected))
        {
            case SimdLevel.Vector512: kernel.Run<Lanes512>(); break;
            case SimdLevel.Vector256: kernel.Run<Lanes256>(); break;
            case SimdLevel.Vector128: kernel.Run<Lanes128>(); break;
            default: kernel.Run<Lane1>(); break;
        }
    }
}
