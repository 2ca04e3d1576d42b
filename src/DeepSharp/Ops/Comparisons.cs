using DeepSharp.Kernels;

namespace DeepSharp;

// Comparisons give 1 where the relation holds and 0 elsewhere, broadcasting as NumPy; they are not
// differentiable and record nothing. Where, Maximum and Minimum route the gradient through a mask.
public static unsafe partial class Ops
{
    // ---- comparisons: no gradient ----------------------------------------------------------------------

    /// <summary>1 where a = b, else 0.</summary>
    public static Tensor Equal(Tensor a, Tensor b) => Compare<EqualFunction>(a, b, "Equal");

    /// <summary>1 where a ≠ b (NaN differs from everything), else 0.</summary>
    public static Tensor NotEqual(Tensor a, Tensor b) => Compare<NotEqualFunction>(a, b, "NotEqual");

    /// <summary>1 where a &gt; b, else 0.</summary>
    public static Tensor Greater(Tensor a, Tensor b) => Compare<GreaterFunction>(a, b, "Greater");

    /// <summary>1 where a ≥ b, else 0.</summary>
    public static Tensor GreaterEqual(Tensor a, Tensor b) => Compare<GreaterEqualFunction>(a, b, "GreaterEqual");

    /// <summary>1 where a &lt; b, else 0.</summary>
    public static Tensor Less(Tensor a, Tensor b) => Compare<LessFunction>(a, b, "Less");

    /// <summary>1 where a ≤ b, else 0.</summary>
    public static Tensor LessEqual(Tensor a, Tensor b) => Compare<LessEqualFunction>(a, b, "LessEqual");

    /// <summary>1 where a = <paramref name="b"/>, else 0.</summary>
    public static Tensor Equal(Tensor a, float b) => Compare<EqualFunction>(a, b);

    /// <summary>1 where a ≠ <paramref name="b"/>, else 0.</summary>
    public static Tensor NotEqual(Tensor a, float b) => Compare<NotEqualFunction>(a, b);

    /// <summary>1 where a &gt; <paramref name="b"/>, else 0.</summary>
    public static Tensor Greater(Tensor a, float b) => Compare<GreaterFunction>(a, b);

    /// <summary>1 where a ≥ <paramref name="b"/>, else 0.</summary>
    public static Tensor GreaterEqual(Tensor a, float b) => Compare<GreaterEqualFunction>(a, b);

    /// <summary>1 where a &lt; <paramref name="b"/>, else 0.</summary>
    public static Tensor Less(Tensor a, float b) => Compare<LessFunction>(a, b);

    /// <summary>1 where a ≤ <paramref name="b"/>, else 0.</summary>
    public static Tensor LessEqual(Tensor a, float b) => Compare<LessEqualFunction>(a, b);

    private static Tensor Compare<TF>(Tensor a, Tensor b, string op) where TF : struct, IBinaryFunction =>
        ElementwiseDriver.Binary<VectorBinaryOperator<TF>>(a, b, op, rule: null);

    private static Tensor Compare<TF>(Tensor a, float b) where TF : struct, IBinaryFunction
    {
        a.ThrowIfDisposed();
        var x = ContiguousOperand.Of(a);
        var y = Tensor.Uninitialized(a._shape);
        VectorLoop.Map(default(TF), x.Span, b, y.Span);
        ContiguousOperand.Release(x, a);
        return y;
    }

    // ---- where: da = g where condition, db = g elsewhere, nothing to the condition ---------------------

    /// <summary>
    /// Elementwise <paramref name="a"/> where <paramref name="condition"/> is nonzero (NaN counts as true),
    /// else <paramref name="b"/>; all three broadcast together. The gradient flows to a and b through the
    /// mask, never to the condition.
    /// </summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        condition.ThrowIfDisposed();
        a.ThrowIfDisposed();
        b.ThrowIfDisposed();
        var y = Select(condition, a, b, "Where");
        // The condition rides along as input C so backward can read it; it never receives a gradient.
        Node.Record("where", WhereBackward, y, a, b, condition);
        return y;
    }

    private static void WhereBackward(Node n, Tensor g)
    {
        Tensor a = n.A!, b = n.B!, condition = n.C!;
        var zero = ZeroScalar;
        if (a._requiresGrad) GradientEngine.Accumulate(a, Select(condition, g, zero, "where backward"));
        if (b._requiresGrad) GradientEngine.Accumulate(b, Select(condition, zero, g, "where backward"));
    }

    /// <summary>condition ? a : b over three broadcast operands, into a new contiguous tensor.</summary>
    private static Tensor Select(Tensor condition, Tensor a, Tensor b, string op)
    {
        var shape = Broadcasting.ResultShape(Broadcasting.ResultShape(condition._shape, a._shape, op), b._shape, op);
        var y = Tensor.Uninitialized(shape);
        Span<int> cs = stackalloc int[shape.Rank];
        Span<int> aStrides = stackalloc int[shape.Rank];
        Span<int> bStrides = stackalloc int[shape.Rank];
        Broadcasting.StridesFor(condition, shape, cs);
        Broadcasting.StridesFor(a, shape, aStrides);
        Broadcasting.StridesFor(b, shape, bStrides);
        SelectKernel.Run(condition.Pointer, cs, a.Pointer, aStrides, b.Pointer, bStrides, y.Pointer, shape.Dims);
        return y;
    }

    private static Tensor ZeroScalar => t_zero ??= CreateZero();

    [ThreadStatic] private static Tensor? t_zero;

    private static Tensor CreateZero()
    {
        using var unscoped = TensorScope.Suspend();
        return Tensor.Scalar(0f);
    }

    // ---- maximum / minimum: the gradient goes to the chosen operand, half to each at a tie -------------

    /// <summary>
    /// Elementwise larger of <paramref name="a"/> and <paramref name="b"/>, broadcasting. The gradient goes
    /// to the operand chosen; at a tie each gets half, as in PyTorch.
    /// </summary>
    public static Tensor Maximum(Tensor a, Tensor b) => ElementwiseDriver.Binary<MaximumOperator>(a, b, "maximum", MaximumBackward);

    /// <summary>Elementwise smaller of <paramref name="a"/> and <paramref name="b"/>; the gradient as <see cref="Maximum"/>.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => ElementwiseDriver.Binary<MinimumOperator>(a, b, "minimum", MinimumBackward);

    private static void MaximumBackward(Node n, Tensor g) => ExtremeOfTwoBackward(n, g, maximum: true);

    private static void MinimumBackward(Node n, Tensor g) => ExtremeOfTwoBackward(n, g, maximum: false);

    private static void ExtremeOfTwoBackward(Node n, Tensor g, bool maximum)
    {
        Tensor a = n.A!, b = n.B!;
        // a's share: 1 where a is chosen, ½ at a tie, 0 elsewhere; for the minimum, the same with the
        // operands swapped. It has the output's shape, like g; b takes the rest.
        var ga = maximum
            ? ElementwiseDriver.BinaryValues<VectorBinaryOperator<MaximumShareFunction>>(a, b, "maximum backward")
            : ElementwiseDriver.BinaryValues<VectorBinaryOperator<MaximumShareFunction>>(b, a, "minimum backward");
        MultiplyInPlace(ga, g);
        if (b._requiresGrad) GradientEngine.Accumulate(b, ElementwiseDriver.BinaryValues<SubtractOperator>(g, ga, "maximum backward"));
        GradientEngine.Accumulate(a, ga);
    }
}

/// <summary>The comparisons and selections as members of <see cref="Tensor"/>.</summary>
public static partial class TensorMembers
{
    extension(Tensor a)
    {
        /// <summary>1 where a = b, else 0; see <see cref="Ops.Equal(Tensor, Tensor)"/>.</summary>
        public Tensor Equal(Tensor b) => Ops.Equal(a, b);
        /// <summary>1 where a = b, else 0.</summary>
        public Tensor Equal(float b) => Ops.Equal(a, b);
        /// <summary>1 where a ≠ b, else 0.</summary>
        public Tensor NotEqual(Tensor b) => Ops.NotEqual(a, b);
        /// <summary>1 where a ≠ b, else 0.</summary>
        public Tensor NotEqual(float b) => Ops.NotEqual(a, b);
        /// <summary>1 where a &gt; b, else 0.</summary>
        public Tensor Greater(Tensor b) => Ops.Greater(a, b);
        /// <summary>1 where a &gt; b, else 0.</summary>
        public Tensor Greater(float b) => Ops.Greater(a, b);
        /// <summary>1 where a ≥ b, else 0.</summary>
        public Tensor GreaterEqual(Tensor b) => Ops.GreaterEqual(a, b);
        /// <summary>1 where a ≥ b, else 0.</summary>
        public Tensor GreaterEqual(float b) => Ops.GreaterEqual(a, b);
        /// <summary>1 where a &lt; b, else 0.</summary>
        public Tensor Less(Tensor b) => Ops.Less(a, b);
        /// <summary>1 where a &lt; b, else 0.</summary>
        public Tensor Less(float b) => Ops.Less(a, b);
        /// <summary>1 where a ≤ b, else 0.</summary>
        public Tensor LessEqual(Tensor b) => Ops.LessEqual(a, b);
        /// <summary>1 where a ≤ b, else 0.</summary>
        public Tensor LessEqual(float b) => Ops.LessEqual(a, b);
        /// <summary>Elementwise larger of a and b; see <see cref="Ops.Maximum"/>.</summary>
        public Tensor Maximum(Tensor b) => Ops.Maximum(a, b);
        /// <summary>Elementwise smaller of a and b; see <see cref="Ops.Minimum"/>.</summary>
        public Tensor Minimum(Tensor b) => Ops.Minimum(a, b);
    }
}
