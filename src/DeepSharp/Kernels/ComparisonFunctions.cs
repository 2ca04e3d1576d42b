using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

// Comparisons as 0/1 floats, and the masks that route the gradient of maximum and minimum.

/// <summary>1 where x = y, else 0.</summary>
internal readonly struct EqualFunction : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T y) where T : struct, ILanes<T> =>
        T.Equal(x, y) & T.Broadcast(1f);
}

/// <summary>1 where x ≠ y (NaN differs from everything), else 0.</summary>
internal readonly struct NotEqualFunction : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T y) where T : struct, ILanes<T> =>
        T.Broadcast(1f) - (T.Equal(x, y) & T.Broadcast(1f));
}

/// <summary>1 where x &gt; y, else 0.</summary>
internal readonly struct GreaterFunction : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T y) where T : struct, ILanes<T> =>
        T.GreaterThan(x, y) & T.Broadcast(1f);
}

/// <summary>1 where x ≥ y, else 0.</summary>
internal readonly struct GreaterEqualFunction : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T y) where T : struct, ILanes<T> =>
        T.GreaterThanOrEqual(x, y) & T.Broadcast(1f);
}

/// <summary>1 where x &lt; y, else 0.</summary>
internal readonly struct LessFunction : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T y) where T : struct, ILanes<T> =>
        T.LessThan(x, y) & T.Broadcast(1f);
}

/// <summary>1 where x ≤ y, else 0.</summary>
internal readonly struct LessEqualFunction : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T y) where T : struct, ILanes<T> =>
        T.LessThanOrEqual(x, y) & T.Broadcast(1f);
}

/// <summary>
/// The share of the gradient of max(x, y) that goes to x: 1 where x &gt; y, ½ at a tie (as PyTorch), else 0.
/// The minimum's share is the same function with the operands swapped.
/// </summary>
internal readonly struct MaximumShareFunction : IBinaryFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Apply<T>(T x, T y) where T : struct, ILanes<T> =>
        (T.GreaterThan(x, y) & T.Broadcast(1f)) | (T.Equal(x, y) & T.Broadcast(0.5f));
}
