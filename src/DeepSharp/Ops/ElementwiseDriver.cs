using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>The loop machinery the elementwise op families share: broadcasting, contiguity, recording.</summary>
internal static unsafe class ElementwiseDriver
{
    /// <summary>Applies <typeparamref name="TOp"/> to two broadcast operands and records <paramref name="rule"/>.</summary>
    internal static Tensor Binary<TOp>(Tensor a, Tensor b, string op, BackwardRule? rule) where TOp : IBinaryOperator
    {
        a.ThrowIfDisposed();
        b.ThrowIfDisposed();
        var y = BinaryValues<TOp>(a, b, op);
        if (rule != null) Node.Record(op, rule, y, a, b);
        return y;
    }

    /// <summary>The values of <typeparamref name="TOp"/> over two broadcast operands, with no graph.</summary>
    internal static Tensor BinaryValues<TOp>(Tensor a, Tensor b, string op) where TOp : IBinaryOperator
    {
        if (a._shape == b._shape && a._isContiguous && b._isContiguous)
        {
            var same = Tensor.Uninitialized(a._shape);
            ParallelSpans.Binary<TOp>(a.Pointer, b.Pointer, same.Pointer, a._size);
            return same;
        }
        var shape = Broadcasting.ResultShape(a._shape, b._shape, op);
        var y = Tensor.Uninitialized(shape);
        Span<int> aStrides = stackalloc int[shape.Rank];
        Span<int> bStrides = stackalloc int[shape.Rank];
        Broadcasting.StridesFor(a, shape, aStrides);
        Broadcasting.StridesFor(b, shape, bStrides);
        BinaryKernel.Run<TOp>(a.Pointer, aStrides, b.Pointer, bStrides, y.Pointer, shape.Dims);
        return y;
    }

    /// <summary>A contiguous tensor with <paramref name="x"/>'s values: <paramref name="x"/> itself when it already is.</summary>
    internal static Tensor Contiguous(Tensor x) => x._isContiguous ? x : x.ContiguousCopy();

    /// <summary>Recycles <paramref name="maybeCopy"/> if it is a temporary copy of <paramref name="original"/>.</summary>
    internal static void ReleaseCopy(Tensor maybeCopy, Tensor original)
    {
        if (!ReferenceEquals(maybeCopy, original)) maybeCopy.Recycle();
    }
}
