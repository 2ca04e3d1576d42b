using System.Numerics.Tensors;
using DeepSharp.Kernels;

namespace DeepSharp;

// Reductions over all elements, one axis or several (negative axes count from the end). With keepDims the
// reduced axes stay as size 1, so the result broadcasts against the input; an empty list of axes reduces
// nothing (as NumPy's axis=()).
public static unsafe partial class Ops
{
    // ---- sum: dx = g broadcast back (a stride-0 view, no copy) -----------------------------------------

    /// <summary>The sum of all elements: a scalar, or a tensor of 1s in every dimension with <paramref name="keepDims"/>.</summary>
    public static Tensor Sum(Tensor x, bool keepDims = false) => Reduce(x, AllAxes(x), keepDims, ReduceKind.Sum, mean: false, "Sum");

    /// <summary>The sum along <paramref name="axis"/>.</summary>
    public static Tensor Sum(Tensor x, int axis, bool keepDims = false) => Reduce(x, AxisMask("Sum", x, axis), keepDims, ReduceKind.Sum, mean: false, "Sum");

    /// <summary>The sum along each of <paramref name="axes"/>.</summary>
    public static Tensor Sum(Tensor x, ReadOnlySpan<int> axes, bool keepDims = false) => Reduce(x, AxisMask("Sum", x, axes), keepDims, ReduceKind.Sum, mean: false, "Sum");

    // ---- mean: dx = g / count broadcast back -----------------------------------------------------------

    /// <summary>The mean of all elements (NaN for an empty tensor).</summary>
    public static Tensor Mean(Tensor x, bool keepDims = false) => Reduce(x, AllAxes(x), keepDims, ReduceKind.Sum, mean: true, "Mean");

    /// <summary>The mean along <paramref name="axis"/>.</summary>
    public static Tensor Mean(Tensor x, int axis, bool keepDims = false) => Reduce(x, AxisMask("Mean", x, axis), keepDims, ReduceKind.Sum, mean: true, "Mean");

    /// <summary>The mean along each of <paramref name="axes"/>.</summary>
    public static Tensor Mean(Tensor x, ReadOnlySpan<int> axes, bool keepDims = false) => Reduce(x, AxisMask("Mean", x, axes), keepDims, ReduceKind.Sum, mean: true, "Mean");

    // ---- max / min: dx = g at the first extreme element of each group, 0 elsewhere ---------------------

    /// <summary>
    /// The largest element. NaN propagates. The gradient goes to the first largest element (row-major order)
    /// of each reduced group, as PyTorch's <c>max(dim)</c> does; ties do not share it.
    /// </summary>
    public static Tensor Max(Tensor x, bool keepDims = false) => Reduce(x, AllAxes(x), keepDims, ReduceKind.Max, mean: false, "Max");

    /// <summary>The largest element along <paramref name="axis"/>; see <see cref="Max(Tensor, bool)"/> for the gradient.</summary>
    public static Tensor Max(Tensor x, int axis, bool keepDims = false) => Reduce(x, AxisMask("Max", x, axis), keepDims, ReduceKind.Max, mean: false, "Max");

    /// <summary>The largest element along each of <paramref name="axes"/>; see <see cref="Max(Tensor, bool)"/> for the gradient.</summary>
    public static Tensor Max(Tensor x, ReadOnlySpan<int> axes, bool keepDims = false) => Reduce(x, AxisMask("Max", x, axes), keepDims, ReduceKind.Max, mean: false, "Max");

    /// <summary>The smallest element; the gradient goes to the first smallest element of each reduced group.</summary>
    public static Tensor Min(Tensor x, bool keepDims = false) => Reduce(x, AllAxes(x), keepDims, ReduceKind.Min, mean: false, "Min");

    /// <summary>The smallest element along <paramref name="axis"/>.</summary>
    public static Tensor Min(Tensor x, int axis, bool keepDims = false) => Reduce(x, AxisMask("Min", x, axis), keepDims, ReduceKind.Min, mean: false, "Min");

    /// <summary>The smallest element along each of <paramref name="axes"/>.</summary>
    public static Tensor Min(Tensor x, ReadOnlySpan<int> axes, bool keepDims = false) => Reduce(x, AxisMask("Min", x, axes), keepDims, ReduceKind.Min, mean: false, "Min");

    /// <summary>Reduces the axes set in <paramref name="mask"/> (bit d for axis d) and records the backward rule.</summary>
    private static Tensor Reduce(Tensor x, int mask, bool keepDims, ReduceKind kind, bool mean, string op)
    {
        var shape = x._shape;
        int count = 1;
        for (int d = 0; d < shape.Rank; d++)
            if ((mask & (1 << d)) != 0) count *= shape[d];
        if (kind != ReduceKind.Sum && count == 0)
            throw new ArgumentException(
                $"{op}: the reduced axes of a tensor of shape {shape} hold no elements; the {(kind == ReduceKind.Max ? "maximum" : "minimum")} of nothing is undefined.", nameof(x));
        var input = ContiguousOperand.Of(x);
        var y = Tensor.Uninitialized(ReducedShape(shape, mask, keepDims));
        var kept = ReducedShape(shape, mask, keepDims: true);
        Reductions.Reduce(kind, input.Pointer, shape.Dims, y.Pointer, kept.Dims);
        ContiguousOperand.Release(input, x);
        if (mean) TensorPrimitives.Divide(y.Span, count, y.Span);
        var node = kind == ReduceKind.Sum
            ? Node.Record(mean ? "mean" : "sum", SumBackward, y, x)
            : Node.Record(kind == ReduceKind.Max ? "max" : "min", ExtremeBackward, y, x);
        node?.Save(new ReductionSaved(mask, keepDims, mean ? 1f / count : 1f));
        return y;
    }

    /// <summary>What a reduction keeps for backward: the reduced axes (bit d for axis d), keepDims, and 1/count for a mean.</summary>
    private readonly record struct ReductionSaved(int Axes, bool KeepDims, float Scale);

    private static void SumBackward(Node n, Tensor g)
    {
        var x = n.A!;
        var (axes, keepDims, scale) = n.State<ReductionSaved>();
        var source = scale == 1f ? g : Scaled(g, scale);
        var expanded = BroadcastReduced(source, x._shape, axes, keepDims);
        if (!ReferenceEquals(source, g)) source.Recycle();
        GradientEngine.Accumulate(x, expanded);
    }

    private static void ExtremeBackward(Node n, Tensor g)
    {
        var x = n.A!;
        var input = ContiguousOperand.Of(x);
        var gradient = ContiguousOperand.Of(g);
        var kept = ReducedShape(x._shape, n.State<ReductionSaved>().Axes, keepDims: true);
        var dx = Tensor.Uninitialized(x._shape);
        var taken = Tensor.Uninitialized(kept);
        Reductions.RouteToFirstMatch(input.Pointer, x._shape.Dims, n.Output.Pointer, gradient.Pointer, kept.Dims, dx.Pointer, taken.Pointer);
        taken.Recycle();
        ContiguousOperand.Release(input, x);
        ContiguousOperand.Release(gradient, g);
        GradientEngine.Accumulate(x, dx);
    }

    /// <summary>A view of the reduced <paramref name="g"/> as <paramref name="shape"/>: stride 0 along reduced axes.</summary>
    private static Tensor BroadcastReduced(Tensor g, in TensorShape shape, int mask, bool keepDims)
    {
        Span<int> strides = stackalloc int[shape.Rank];
        int gi = 0;
        for (int d = 0; d < shape.Rank; d++)
        {
            if ((mask & (1 << d)) != 0)
            {
                strides[d] = 0;
                if (keepDims) gi++;
            }
            else strides[d] = g._strides[gi++];
        }
        return Tensor.View(g, shape, strides, g._offset);
    }

    // ---- argmax / argmin: no gradient --------------------------------------------------------------------

    /// <summary>
    /// The index of the largest element of the flattened tensor, as a scalar float tensor (exact below 2^24).
    /// The first wins ties; NaN counts as the largest. Not differentiable: the result does not require grad.
    /// </summary>
    public static Tensor ArgMax(Tensor x) => ArgExtreme(x, axis: null, keepDims: false, largest: true, "ArgMax");

    /// <summary>The indices of the largest elements along <paramref name="axis"/>, as floats; see <see cref="ArgMax(Tensor)"/>.</summary>
    public static Tensor ArgMax(Tensor x, int axis, bool keepDims = false) => ArgExtreme(x, axis, keepDims, largest: true, "ArgMax");

    /// <summary>The index of the smallest element of the flattened tensor, as a scalar float tensor.</summary>
    public static Tensor ArgMin(Tensor x) => ArgExtreme(x, axis: null, keepDims: false, largest: false, "ArgMin");

    /// <summary>The indices of the smallest elements along <paramref name="axis"/>, as floats.</summary>
    public static Tensor ArgMin(Tensor x, int axis, bool keepDims = false) => ArgExtreme(x, axis, keepDims, largest: false, "ArgMin");

    private static Tensor ArgExtreme(Tensor x, int? axis, bool keepDims, bool largest, string op)
    {
        x.ThrowIfDisposed();
        var shape = x._shape;
        int outer = 1, n = x._size, inner = 1, mask = AllAxes(x);
        if (axis is int requested)
        {
            int a = NormalizeAxis(op, "axis", requested, shape);
            (outer, n, inner) = SplitAround(shape, a);
            mask = 1 << a;
        }
        if (n == 0)
            throw new ArgumentException($"{op}: {(axis is null ? "the tensor" : $"axis {axis}")} of a tensor of shape {shape} holds no elements.", nameof(x));
        var input = ContiguousOperand.Of(x);
        var y = Tensor.Uninitialized(ReducedShape(shape, mask, keepDims));
        Reductions.ArgExtremeAxis(largest, input.Pointer, outer, n, inner, y.Pointer);
        ContiguousOperand.Release(input, x);
        return y;
    }

    // ---- axis bookkeeping ------------------------------------------------------------------------------

    private static int AllAxes(Tensor x)
    {
        x.ThrowIfDisposed();
        return (1 << x.Rank) - 1;
    }

    private static int AxisMask(string op, Tensor x, int axis)
    {
        x.ThrowIfDisposed();
        return 1 << NormalizeAxis(op, "axis", axis, x._shape);
    }

    private static int AxisMask(string op, Tensor x, ReadOnlySpan<int> axes)
    {
        x.ThrowIfDisposed();
        int mask = 0;
        foreach (int axis in axes)
        {
            int bit = 1 << NormalizeAxis(op, "axes", axis, x._shape);
            if ((mask & bit) != 0)
                throw new ArgumentException($"{op}: axis {axis} appears twice in axes for a tensor of shape {x._shape}.", nameof(axes));
            mask |= bit;
        }
        return mask;
    }

    /// <summary><paramref name="shape"/> with the masked axes set to 1 (<paramref name="keepDims"/>) or removed.</summary>
    private static TensorShape ReducedShape(in TensorShape shape, int mask, bool keepDims)
    {
        Span<int> dims = stackalloc int[TensorShape.MaxRank];
        int rank = 0;
        for (int d = 0; d < shape.Rank; d++)
        {
            if ((mask & (1 << d)) == 0) dims[rank++] = shape[d];
            else if (keepDims) dims[rank++] = 1;
        }
        return new TensorShape(dims[..rank]);
    }
}

/// <summary>The reductions as members of <see cref="Tensor"/>.</summary>
public static partial class TensorMembers
{
    extension(Tensor x)
    {
        /// <summary>The sum of all elements; see <see cref="Ops.Sum(Tensor, bool)"/>.</summary>
        public Tensor Sum(bool keepDims = false) => Ops.Sum(x, keepDims);
        /// <summary>The sum along an axis.</summary>
        public Tensor Sum(int axis, bool keepDims = false) => Ops.Sum(x, axis, keepDims);
        /// <summary>The sum along several axes.</summary>
        public Tensor Sum(ReadOnlySpan<int> axes, bool keepDims = false) => Ops.Sum(x, axes, keepDims);
        /// <summary>The mean of all elements; see <see cref="Ops.Mean(Tensor, bool)"/>.</summary>
        public Tensor Mean(bool keepDims = false) => Ops.Mean(x, keepDims);
        /// <summary>The mean along an axis.</summary>
        public Tensor Mean(int axis, bool keepDims = false) => Ops.Mean(x, axis, keepDims);
        /// <summary>The mean along several axes.</summary>
        public Tensor Mean(ReadOnlySpan<int> axes, bool keepDims = false) => Ops.Mean(x, axes, keepDims);
        /// <summary>The largest element; see <see cref="Ops.Max(Tensor, bool)"/>.</summary>
        public Tensor Max(bool keepDims = false) => Ops.Max(x, keepDims);
        /// <summary>The largest element along an axis.</summary>
        public Tensor Max(int axis, bool keepDims = false) => Ops.Max(x, axis, keepDims);
        /// <summary>The largest element along several axes.</summary>
        public Tensor Max(ReadOnlySpan<int> axes, bool keepDims = false) => Ops.Max(x, axes, keepDims);
        /// <summary>The smallest element; see <see cref="Ops.Min(Tensor, bool)"/>.</summary>
        public Tensor Min(bool keepDims = false) => Ops.Min(x, keepDims);
        /// <summary>The smallest element along an axis.</summary>
        public Tensor Min(int axis, bool keepDims = false) => Ops.Min(x, axis, keepDims);
        /// <summary>The smallest element along several axes.</summary>
        public Tensor Min(ReadOnlySpan<int> axes, bool keepDims = false) => Ops.Min(x, axes, keepDims);
        /// <summary>The flat index of the largest element; see <see cref="Ops.ArgMax(Tensor)"/>.</summary>
        public Tensor ArgMax() => Ops.ArgMax(x);
        /// <summary>The indices of the largest elements along an axis.</summary>
        public Tensor ArgMax(int axis, bool keepDims = false) => Ops.ArgMax(x, axis, keepDims);
        /// <summary>The flat index of the smallest element; see <see cref="Ops.ArgMin(Tensor)"/>.</summary>
        public Tensor ArgMin() => Ops.ArgMin(x);
        /// <summary>The indices of the smallest elements along an axis.</summary>
        public Tensor ArgMin(int axis, bool keepDims = false) => Ops.ArgMin(x, axis, keepDims);
    }
}
