namespace DeepSharp;

/// <summary>
/// An op's input read as one dense block of memory, as kernels want it: the tensor itself when it is contiguous,
/// else a temporary contiguous copy that the op gives back when its kernel is done.
/// </summary>
internal static class ContiguousOperand
{
    /// <summary>A contiguous tensor with <paramref name="x"/>'s values: <paramref name="x"/> itself when it already is.</summary>
    internal static Tensor Of(Tensor x) => x._isContiguous ? x : x.ContiguousCopy();

    /// <summary>Recycles <paramref name="operand"/> if it is a temporary copy of <paramref name="original"/>.</summary>
    internal static void Release(Tensor operand, Tensor original)
    {
        if (!ReferenceEquals(operand, original)) operand.Recycle();
    }
}
