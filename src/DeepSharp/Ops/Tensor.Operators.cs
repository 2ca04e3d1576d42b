namespace DeepSharp;

// Tensor's arithmetic operators are declared on the type itself, not as C# 14 extension operators: F# and VB see only
// operators a type declares (op_Addition on Tensor), and a library for every .NET language must work from all of them.
// They live here, beside the ops they call, as the autograd half of Tensor lives in Autograd/.
public sealed partial class Tensor
{
    /// <summary>Elementwise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);
    /// <summary>Adds a constant.</summary>
    public static Tensor operator +(Tensor a, float b) => Ops.Add(a, b);
    /// <summary>Adds a constant.</summary>
    public static Tensor operator +(float a, Tensor b) => Ops.Add(b, a);
    /// <summary>Elementwise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Subtract(a, b);
    /// <summary>Subtracts a constant.</summary>
    public static Tensor operator -(Tensor a, float b) => Ops.Add(a, -b);
    /// <summary>A constant minus each element.</summary>
    public static Tensor operator -(float a, Tensor b) => Ops.ReverseSubtract(a, b);
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => Ops.Negate(a);
    /// <summary>Elementwise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Multiply(a, b);
    /// <summary>Multiplies by a constant.</summary>
    public static Tensor operator *(Tensor a, float b) => Ops.Multiply(a, b);
    /// <summary>Multiplies by a constant.</summary>
    public static Tensor operator *(float a, Tensor b) => Ops.Multiply(b, a);
    /// <summary>Elementwise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Divide(a, b);
    /// <summary>Divides by a constant.</summary>
    public static Tensor operator /(Tensor a, float b) => Ops.Multiply(a, 1f / b);
    /// <summary>A constant divided by each element.</summary>
    public static Tensor operator /(float a, Tensor b) => Ops.Divide(a, b);
}
