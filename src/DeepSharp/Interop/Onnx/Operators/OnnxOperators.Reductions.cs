namespace DeepSharp.Interop.Onnx;

// Reductions over axes (ReduceSum and friends, ArgMax/ArgMin). Until opset 13 (ReduceSum) and 18 (the others)
// the axes are an attribute; from then an optional input. No axes means all of them, unless
// noop_with_empty_axes asks for the input unchanged.
internal static partial class OnnxOperators
{
    private static void AddReductions(Action<string, int, OnnxConverter> add)
    {
        Reduction(add, "ReduceSum", 13, (x, axes, keep) => Ops.Sum(x, axes, keep));
        Reduction(add, "ReduceMean", 18, (x, axes, keep) => Ops.Mean(x, axes, keep));
        Reduction(add, "ReduceMax", 18, (x, axes, keep) => Ops.Max(x, axes, keep));
        Reduction(add, "ReduceMin", 18, (x, axes, keep) => Ops.Min(x, axes, keep));
        Reduction(add, "ReduceProd", 18, Product);
        Reduction(add, "ReduceSumSquare", 18, (x, axes, keep) => Ops.Sum(Ops.Square(x), axes, keep));
        Reduction(add, "ReduceL1", 18, (x, axes, keep) => Ops.Sum(Ops.Abs(x), axes, keep));
        Reduction(add, "ReduceL2", 18, (x, axes, keep) => Ops.Sqrt(Ops.Sum(Ops.Square(x), axes, keep)));
        Reduction(add, "ReduceLogSum", 18, (x, axes, keep) => Ops.Log(Ops.Sum(x, axes, keep)));
        Reduction(add, "ReduceLogSumExp", 18, LogSumExp);
        ArgExtreme(add, "ArgMax", largest: true);
        ArgExtreme(add, "ArgMin", largest: false);
    }

    private static void Reduction(Action<string, int, OnnxConverter> add, string op, int axesInputSince, Func<Tensor, int[], bool, Tensor> reduce)
    {
        add(op, 1, node =>
        {
            bool keep = node.Attributes.Int("keepdims", 1) != 0;
            var axes = node.Attributes.Ints("axes");
            return One(x => Reduce(x.Required(0, op), axes, keep, noopWhenEmpty: false, op, reduce));
        });
        add(op, axesInputSince, node =>
        {
            bool keep = node.Attributes.Int("keepdims", 1) != 0;
            bool noop = node.Attributes.Int("noop_with_empty_axes", 0) != 0;
            return One(x => Reduce(x.Required(0, op), x.Optional(1) is { } a ? OnnxValues.Longs(a) : null, keep, noop, op, reduce));
        });
    }

    private static Tensor Reduce(Tensor x, long[]? axes, bool keep, bool noopWhenEmpty, string op, Func<Tensor, int[], bool, Tensor> reduce)
    {
        if (axes is null || axes.Length == 0)
        {
            if (noopWhenEmpty) return x;
            axes = new long[x.Rank];
            for (int d = 0; d < axes.Length; d++) axes[d] = d;
        }
        var normalized = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++) normalized[i] = OnnxValues.Axis(axes[i], x.Rank, op);
        if (x.Rank == 0) return x;
        return reduce(x, normalized.Distinct().Order().ToArray(), keep);
    }

    /// <summary>The product along the axes, one axis at a time as a running product of its slices (differentiable, zeros included).</summary>
    private static Tensor Product(Tensor x, int[] axes, bool keep)
    {
        var result = x;
        foreach (int axis in axes)
        {
            int size = result.Shape[axis];
            if (size == 0)
            {
                result = Tensor.Ones(result.Shape.With(axis, 1));
                continue;
            }
            var parts = Ops.Split(result, size, axis);
            var product = parts[0];
            for (int i = 1; i < parts.Length; i++) product = Ops.Multiply(product, parts[i]);
            result = product;
        }
        if (!keep)
            for (int i = axes.Length - 1; i >= 0; i--) result = Ops.Squeeze(result, axes[i]);
        return result;
    }

    /// <summary>log Σ e^x, with the maximum taken out first so that large values do not overflow.</summary>
    private static Tensor LogSumExp(Tensor x, int[] axes, bool keep)
    {
        var max = Ops.Max(x, axes, keepDims: true);
        var shifted = Ops.Sum(Ops.Exp(Ops.Subtract(x, max)), axes, keepDims: true);
        var result = Ops.Add(Ops.Log(shifted), max);
        if (!keep)
            for (int i = axes.Length - 1; i >= 0; i--) result = Ops.Squeeze(result, axes[i]);
        return result;
    }

    private static void ArgExtreme(Action<string, int, OnnxConverter> add, string op, bool largest) =>
        add(op, 1, node =>
        {
            long axis = node.Attributes.Int("axis", 0);
            bool keep = node.Attributes.Int("keepdims", 1) != 0;
            bool last = node.Attributes.Int("select_last_index", 0) != 0;
            return One(x =>
            {
                var input = x.Required(0, op);
                int a = OnnxValues.Axis(axis, input.Rank, op);
                if (!last) return largest ? Ops.ArgMax(input, a, keep) : Ops.ArgMin(input, a, keep);
                // The last of equal extremes is the first one along the reversed axis.
                int size = input.Shape[a];
                var reversed = Ops.Gather(input, Enumerable.Range(0, size).Reverse().ToArray(), a);
                var index = largest ? Ops.ArgMax(reversed, a, keep) : Ops.ArgMin(reversed, a, keep);
                return Ops.ReverseSubtract(size - 1, index);
            });
        });
}
