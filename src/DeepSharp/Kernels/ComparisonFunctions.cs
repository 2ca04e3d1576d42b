using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

// Comparisons as 0/1 floats, and the masks that route the gradient of maximum and minimum.

/// <summary>1 where x = y, else 0.</summary>
internal readonly struct EqualFunction : IBinaryFunction
{
    public float Apply(float x, float y) => x == y ? 1f : 0f;
    public Vector256<float> Apply(Vector256<float> x, Vector256<float> y) => Vector256.Equals(x, y) & Vector256<float>.One;
    public Vector512<float> Apply(Vector512<float> x, Vector512<float> y) => Vector512.Equals(x, y) & Vector512<float>.One;
}

/// <summary>1 where x ≠ y (NaN differs from everything), else 0.</summary>
internal readonly struct NotEqualFunction : IBinaryFunction
{
    public float Apply(float x, float y) => x != y ? 1f : 0f;
    public Vector256<float> Apply(Vector256<float> x, Vector256<float> y) => Vector256.AndNot(Vector256<float>.One, Vector256.Equals(x, y));
    public Vector512<float> Apply(Vector512<float> x, Vector512<float> y) => Vector512.AndNot(Vector512<float>.One, Vector512.Equals(x, y));
}

/// <summary>1 where x &gt; y, else 0.</summary>
internal readonly struct GreaterFunction : IBinaryFunction
{
    public float Apply(float x, float y) => x > y ? 1f : 0f;
    public Vector256<float> Apply(Vector256<float> x, Vector256<float> y) => Vector256.GreaterThan(x, y) & Vector256<float>.One;
    public Vector512<float> Apply(Vector512<float> x, Vector512<float> y) => Vector512.GreaterThan(x, y) & Vector512<float>.One;
}

/// <summary>1 where x ≥ y, else 0.</summary>
internal readonly struct GreaterEqualFunction : IBinaryFunction
{
    public float Apply(float x, float y) => x >= y ? 1f : 0f;
    public Vector256<float> Apply(Vector256<float> x, Vector256<float> y) => Vector256.GreaterThanOrEqual(x, y) & Vector256<float>.One;
    public Vector512<float> Apply(Vector512<float> x, Vector512<float> y) => Vector512.GreaterThanOrEqual(x, y) & Vector512<float>.One;
}

/// <summary>1 where x &lt; y, else 0.</summary>
internal readonly struct LessFunction : IBinaryFunction
{
    public float Apply(float x, float y) => x < y ? 1f : 0f;
    public Vector256<float> Apply(Vector256<float> x, Vector256<float> y) => Vector256.LessThan(x, y) & Vector256<float>.One;
    public Vector512<float> Apply(Vector512<float> x, Vector512<float> y) => Vector512.LessThan(x, y) & Vector512<float>.One;
}

/// <summary>1 where x ≤ y, else 0.</summary>
internal readonly struct LessEqualFunction : IBinaryFunction
{
    public float Apply(float x, float y) => x <= y ? 1f : 0f;
    public Vector256<float> Apply(Vector256<float> x, Vector256<float> y) => Vector256.LessThanOrEqual(x, y) & Vector256<float>.One;
    public Vector512<float> Apply(Vector512<float> x, Vector512<float> y) => Vector512.LessThanOrEqual(x, y) & Vector512<float>.One;
}

/// <summary>
/// The share of the gradient of max(x, y) that goes to x: 1 where x &gt; y, ½ at a tie (as PyTorch), else 0.
/// The minimum's share is the same function with the operands swapped.
/// </summary>
internal readonly struct MaximumShareFunction : IBinaryFunction
{
    public float Apply(float x, float y) => x > y ? 1f : x == y ? 0.5f : 0f;

    public Vector256<float> Apply(Vector256<float> x, Vector256<float> y) =>
        (Vector256.GreaterThan(x, y) & Vector256<float>.One) | (Vector256.Equals(x, y) & Vector256.Create(0.5f));

    public Vector512<float> Apply(Vector512<float> x, Vector512<float> y) =>
        (Vector512.GreaterThan(x, y) & Vector512<float>.One) | (Vector512.Equals(x, y) & Vector512.Create(0.5f));
}
