using DeepSharp.Kernels;

namespace DeepSharp;

public static partial class Ops
{
    // ---- exp: dy = g·y ---------------------------------------------------------------------------------

    /// <summary>Elementwise e^x.</summary>
    public static Tensor Exp(Tensor x) => ElementwiseDriver.Unary(x, new ExpFunction(), "exp", ExpBackward);

    private static void ExpBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new ProductGradient(), fromOutput: true);

    // ---- log: dx = g/x ---------------------------------------------------------------------------------

    /// <summary>Elementwise natural logarithm (−∞ at 0, NaN below).</summary>
    public static Tensor Log(Tensor x) => ElementwiseDriver.Unary(x, new LogOperator(), "log", LogBackward);

    private static void LogBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new QuotientGradient(), fromOutput: false);

    // ---- sqrt: dx = g/(2y) -----------------------------------------------------------------------------

    /// <summary>Elementwise square root (NaN below 0).</summary>
    public static Tensor Sqrt(Tensor x) => ElementwiseDriver.Unary(x, new SqrtOperator(), "sqrt", SqrtBackward);

    private static void SqrtBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new SqrtGradient(), fromOutput: true);

    // ---- abs: dx = g·sign(x), 0 at 0 -------------------------------------------------------------------

    /// <summary>Elementwise absolute value; its gradient at 0 is 0, as in PyTorch.</summary>
    public static Tensor Abs(Tensor x) => ElementwiseDriver.Unary(x, new AbsOperator(), "abs", AbsBackward);

    private static void AbsBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new AbsGradient(), fromOutput: false);

    // ---- square: dx = 2x·g -----------------------------------------------------------------------------

    /// <summary>Elementwise x².</summary>
    public static Tensor Square(Tensor x) => ElementwiseDriver.Unary(x, new SquareOperator(), "square", SquareBackward);

    private static void SquareBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new SquareGradient(), fromOutput: false);

    // ---- clip: dx = g where min ≤ x ≤ max --------------------------------------------------------------

    /// <summary>
    /// Limits every element to [<paramref name="min"/>, <paramref name="max"/>] (Keras' <c>clip</c>, PyTorch's
    /// <c>clamp</c>). The gradient passes where min ≤ x ≤ max, boundaries included, as in PyTorch.
    /// </summary>
    public static Tensor Clip(Tensor x, float min, float max)
    {
        if (!(min <= max))
            throw new ArgumentException($"Clip: min must not exceed max (and neither may be NaN); got min={min}, max={max}.", nameof(min));
        return ElementwiseDriver.Unary(x, new ClampOperator(min, max), "clip", ClipBackward, state: new ClipSaved(min, max));
    }

    private readonly record struct ClipSaved(float Min, float Max);

    private static void ClipBackward(Node n, Tensor g)
    {
        var (min, max) = n.State<ClipSaved>();
        ElementwiseDriver.UnaryGradient(n, g, new ClosedIntervalGradient(min, max), fromOutput: false);
    }

    // ---- sign: not differentiable ----------------------------------------------------------------------

    /// <summary>
    /// Elementwise sign: 1, 0 or -1 (NaN stays NaN, as in NumPy). Its derivative is zero wherever it exists,
    /// so the result records no graph and does not require grad.
    /// </summary>
    public static Tensor Sign(Tensor x) => ElementwiseDriver.Unary(x, new SignFunction(), "sign", rule: null);
}

/// <summary>The elementwise math functions as members of <see cref="Tensor"/>.</summary>
public static partial class TensorMembers
{
    extension(Tensor x)
    {
        /// <summary>Elementwise e^x; see <see cref="Ops.Exp"/>.</summary>
        public Tensor Exp() => Ops.Exp(x);
        /// <summary>Elementwise natural logarithm; see <see cref="Ops.Log"/>.</summary>
        public Tensor Log() => Ops.Log(x);
        /// <summary>Elementwise square root; see <see cref="Ops.Sqrt"/>.</summary>
        public Tensor Sqrt() => Ops.Sqrt(x);
        /// <summary>Elementwise absolute value; see <see cref="Ops.Abs"/>.</summary>
        public Tensor Abs() => Ops.Abs(x);
        /// <summary>Elementwise x²; see <see cref="Ops.Square"/>.</summary>
        public Tensor Square() => Ops.Square(x);
        /// <summary>Limits every element to [min, max]; see <see cref="Ops.Clip"/>.</summary>
        public Tensor Clip(float min, float max) => Ops.Clip(x, min, max);
        /// <summary>Elementwise sign; see <see cref="Ops.Sign"/>.</summary>
        public Tensor Sign() => Ops.Sign(x);
    }
}
