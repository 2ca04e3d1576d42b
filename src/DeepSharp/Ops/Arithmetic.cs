using System.Numerics.Tensors;
using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>
/// The differentiable operations of DeepSharp, one family per file, each forward beside its backward rule.
/// Every op is also reachable as a <see cref="Tensor"/> member (<c>a.MatMul(b)</c>, <c>a + b</c>).
/// </summary>
public static partial class Ops
{
    // ---- add: d(a+b) = (g, g) --------------------------------------------------------------------------

    /// <summary>Elementwise sum, broadcasting as NumPy.</summary>
    public static Tensor Add(Tensor a, Tensor b) => ElementwiseDriver.Binary<AddOperator>(a, b, "add", AddBackward);

    private static void AddBackward(Node n, Tensor g)
    {
        GradientEngine.Accumulate(n.A!, GradientEngine.Share(g));
        GradientEngine.Accumulate(n.B!, GradientEngine.Share(g));
    }

    // ---- sub: d(a-b) = (g, -g) -------------------------------------------------------------------------

    /// <summary>Elementwise difference, broadcasting as NumPy.</summary>
    public static Tensor Subtract(Tensor a, Tensor b) => ElementwiseDriver.Binary<SubtractOperator>(a, b, "sub", SubtractBackward);

    private static void SubtractBackward(Node n, Tensor g)
    {
        GradientEngine.Accumulate(n.A!, GradientEngine.Share(g));
        if (n.B!._requiresGrad) GradientEngine.Accumulate(n.B, Scaled(g, -1f));
    }

    // ---- mul: d(a*b) = (g*b, g*a) ----------------------------------------------------------------------

    /// <summary>Elementwise product, broadcasting as NumPy.</summary>
    public static Tensor Multiply(Tensor a, Tensor b) => ElementwiseDriver.Binary<MultiplyOperator>(a, b, "mul", MultiplyBackward);

    private static void MultiplyBackward(Node n, Tensor g)
    {
        if (n.A!._requiresGrad) GradientEngine.Accumulate(n.A, ElementwiseDriver.BinaryValues<MultiplyOperator>(g, n.B!, "mul backward"));
        if (n.B!._requiresGrad) GradientEngine.Accumulate(n.B, ElementwiseDriver.BinaryValues<MultiplyOperator>(g, n.A, "mul backward"));
    }

    // ---- div: d(a/b) = (g/b, -g*y/b) -------------------------------------------------------------------

    /// <summary>Elementwise quotient, broadcasting as NumPy.</summary>
    public static Tensor Divide(Tensor a, Tensor b) => ElementwiseDriver.Binary<DivideOperator>(a, b, "div", DivideBackward);

    private static void DivideBackward(Node n, Tensor g)
    {
        var gOverB = ElementwiseDriver.BinaryValues<DivideOperator>(g, n.B!, "div backward");
        if (n.B!._requiresGrad)
        {
            var gb = ElementwiseDriver.BinaryValues<MultiplyOperator>(gOverB, n.Output, "div backward");
            TensorPrimitives.Negate(gb.Span, gb.Span);
            GradientEngine.Accumulate(n.B, gb);
        }
        GradientEngine.Accumulate(n.A!, gOverB);
    }

    // ---- pow: d(a^b) = (g*b*a^(b-1), g*y*ln a) ---------------------------------------------------------

    /// <summary>Elementwise power <c>a^b</c>, broadcasting as NumPy.</summary>
    public static Tensor Pow(Tensor a, Tensor b) => ElementwiseDriver.Binary<PowOperator>(a, b, "pow", PowBackward);

    private static void PowBackward(Node n, Tensor g)
    {
        Tensor a = n.A!, b = n.B!;
        if (a._requiresGrad)
        {
            // g * b * a^(b-1), computed as g * b * y / a would fail at a = 0, so take the power again.
            var bMinusOne = ElementwiseDriver.BinaryValues<SubtractOperator>(b, Ones1, "pow backward");
            var power = ElementwiseDriver.BinaryValues<PowOperator>(a, bMinusOne, "pow backward");
            var scaled = ElementwiseDriver.BinaryValues<MultiplyOperator>(power, b, "pow backward");
            var ga = ElementwiseDriver.BinaryValues<MultiplyOperator>(scaled, g, "pow backward");
            bMinusOne.Recycle();
            power.Recycle();
            scaled.Recycle();
            GradientEngine.Accumulate(a, ga);
        }
        if (b._requiresGrad)
        {
            var logA = ContiguousOperand.Of(a).ContiguousCopy();
            TensorPrimitives.Log(logA.Span, logA.Span);
            var yLogA = ElementwiseDriver.BinaryValues<MultiplyOperator>(n.Output, logA, "pow backward");
            var gb = ElementwiseDriver.BinaryValues<MultiplyOperator>(yLogA, g, "pow backward");
            logA.Recycle();
            yLogA.Recycle();
            GradientEngine.Accumulate(b, gb);
        }
    }

    /// <summary>Elementwise power with a constant exponent.</summary>
    public static Tensor Pow(Tensor a, float exponent)
    {
        var x = ContiguousOperand.Of(a);
        var y = Tensor.Uninitialized(a.Shape);
        if (exponent == 2f) TensorPrimitives.Multiply(x.Span, x.Span, y.Span);
        else TensorPrimitives.Pow(x.Span, exponent, y.Span);
        ContiguousOperand.Release(x, a);
        Node.Record("pow", PowScalarBackward, y, a)?.Save(exponent);
        return y;
    }

    private static void PowScalarBackward(Node n, Tensor g)
    {
        float p = n.State<float>();
        var x = ContiguousOperand.Of(n.A!);
        var ga = Tensor.Uninitialized(g._shape);
        if (p == 2f) TensorPrimitives.Multiply(x.Span, 2f, ga.Span);
        else
        {
            TensorPrimitives.Pow(x.Span, p - 1f, ga.Span);
            TensorPrimitives.Multiply(ga.Span, p, ga.Span);
        }
        ContiguousOperand.Release(x, n.A!);
        MultiplyInPlace(ga, g);
        GradientEngine.Accumulate(n.A!, ga);
    }

    // ---- neg and scalar arithmetic ---------------------------------------------------------------------

    /// <summary>Elementwise negation.</summary>
    public static Tensor Negate(Tensor a) => MultiplyAdd(a, -1f, 0f, "neg");

    /// <summary>Adds a constant to every element.</summary>
    public static Tensor Add(Tensor a, float value) => MultiplyAdd(a, 1f, value, "add");

    /// <summary>Multiplies every element by a constant.</summary>
    public static Tensor Multiply(Tensor a, float value) => MultiplyAdd(a, value, 0f, "mul");

    /// <summary>Computes <c>a * scale + shift</c> elementwise; the gradient is <c>g * scale</c>.</summary>
    internal static Tensor MultiplyAdd(Tensor a, float scale, float shift, string op)
    {
        var x = ContiguousOperand.Of(a);
        var y = Tensor.Uninitialized(a.Shape);
        if (scale == 1f) TensorPrimitives.Add(x.Span, shift, y.Span);
        else if (shift == 0f) TensorPrimitives.Multiply(x.Span, scale, y.Span);
        else
        {
            TensorPrimitives.Multiply(x.Span, scale, y.Span);
            TensorPrimitives.Add(y.Span, shift, y.Span);
        }
        ContiguousOperand.Release(x, a);
        Node.Record(op, MultiplyAddBackward, y, a)?.Save(scale);
        return y;
    }

    private static void MultiplyAddBackward(Node n, Tensor g)
    {
        float scale = n.State<float>();
        GradientEngine.Accumulate(n.A!, scale == 1f ? GradientEngine.Share(g) : Scaled(g, scale));
    }

    /// <summary>A constant minus each element.</summary>
    public static Tensor ReverseSubtract(float value, Tensor b) => MultiplyAdd(b, -1f, value, "rsub");

    /// <summary>Divides a constant by every element.</summary>
    public static Tensor Divide(float value, Tensor b) => Multiply(Reciprocal(b), value);

    /// <summary>Elementwise 1 / x.</summary>
    public static Tensor Reciprocal(Tensor x) => Divide(Tensor.Scalar(1f), x);

    // ---- helpers for backward rules --------------------------------------------------------------------

    private static Tensor Ones1 => t_one ??= CreateOne();

    [ThreadStatic] private static Tensor? t_one;

    private static Tensor CreateOne()
    {
        using var unscoped = TensorScope.Suspend();
        return Tensor.Scalar(1f);
    }

    /// <summary>A new tensor <c>g * factor</c>.</summary>
    internal static Tensor Scaled(Tensor g, float factor)
    {
        var x = ContiguousOperand.Of(g);
        var result = Tensor.Uninitialized(g._shape);
        TensorPrimitives.Multiply(x.Span, factor, result.Span);
        ContiguousOperand.Release(x, g);
        return result;
    }

    /// <summary><paramref name="target"/> *= <paramref name="factor"/> for a contiguous target of the same shape.</summary>
    internal static void MultiplyInPlace(Tensor target, Tensor factor)
    {
        var f = ContiguousOperand.Of(factor);
        TensorPrimitives.Multiply(target.Span, f.Span, target.Span);
        ContiguousOperand.Release(f, factor);
    }
}

/// <summary>
/// The ops as members of <see cref="Tensor"/>: methods such as <c>x.Exp()</c> (the operators are declared on
/// <see cref="Tensor"/> itself, in Ops/Tensor.Operators.cs, so that every .NET language sees them).
/// </summary>
public static partial class TensorMembers
{
    extension(Tensor a)
    {
        /// <summary>Elementwise power <c>a^b</c>.</summary>
        public Tensor Pow(Tensor b) => Ops.Pow(a, b);
        /// <summary>Elementwise power with a constant exponent.</summary>
        public Tensor Pow(float exponent) => Ops.Pow(a, exponent);
    }
}
