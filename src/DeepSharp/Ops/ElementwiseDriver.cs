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

    /// <summary>Applies the elementwise <typeparamref name="TOp"/> to <paramref name="x"/> and records <paramref name="rule"/>.</summary>
    internal static Tensor Unary<TOp>(Tensor x, in TOp op, string name, BackwardRule? rule) where TOp : struct, IUnaryOperator
    {
        var y = UnaryValues(x, op);
        if (rule != null) Node.Record(name, rule, y, x);
        return y;
    }

    /// <summary>As <see cref="Unary{TOp}"/>, keeping the op's parameters (a slope, bounds) in the node for backward.</summary>
    internal static Tensor Unary<TOp, TState>(Tensor x, in TOp op, string name, BackwardRule rule, in TState state)
        where TOp : struct, IUnaryOperator where TState : unmanaged
    {
        var y = UnaryValues(x, op);
        Node.Record(name, rule, y, x)?.Save(state);
        return y;
    }

    private static Tensor UnaryValues<TOp>(Tensor x, in TOp op) where TOp : struct, IUnaryOperator
    {
        x.ThrowIfDisposed();
        var input = ContiguousOperand.Of(x);
        var y = Tensor.Uninitialized(x._shape);
        ParallelSpans.Unary(op, input.Pointer, y.Pointer, y._size);
        ContiguousOperand.Release(input, x);
        return y;
    }

    /// <summary>
    /// The backward pass of an elementwise op: dx = op(saved, g), where saved is the op's input, or its
    /// output when <paramref name="fromOutput"/> (which spares recomputing sigmoid, tanh, exp, sqrt).
    /// </summary>
    internal static void UnaryGradient<TOp>(Node n, Tensor g, in TOp op, bool fromOutput) where TOp : struct, IGradientOperator
    {
        var x = n.A!;
        var saved = fromOutput ? n.Output : ContiguousOperand.Of(x);
        var gradient = ContiguousOperand.Of(g);
        var dx = Tensor.Uninitialized(x._shape);
        ParallelSpans.Gradient(op, saved.Pointer, gradient.Pointer, dx.Pointer, dx._size);
        if (!fromOutput) ContiguousOperand.Release(saved, x);
        ContiguousOperand.Release(gradient, g);
        GradientEngine.Accumulate(x, dx);
    }
}
