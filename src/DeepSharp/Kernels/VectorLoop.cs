using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>An elementwise function of one variable, written once per vector width (the math of an op).</summary>
internal interface IUnaryFunction
{
    float Apply(float x);
    Vector256<float> Apply(Vector256<float> x);
    Vector512<float> Apply(Vector512<float> x);
}

/// <summary>An elementwise function of two variables, written once per vector width.</summary>
internal interface IBinaryFunction
{
    float Apply(float x, float y);
    Vector256<float> Apply(Vector256<float> x, Vector256<float> y);
    Vector512<float> Apply(Vector512<float> x, Vector512<float> y);
}

/// <summary>An elementwise op over one span: what the parallel driver splits into chunks.</summary>
internal interface IUnaryOperator
{
    void Invoke(ReadOnlySpan<float> x, Span<float> destination);
}

/// <summary>An elementwise op over two spans of equal length (a backward rule's <c>(saved, gradient)</c>).</summary>
internal interface IGradientOperator
{
    void Invoke(ReadOnlySpan<float> saved, ReadOnlySpan<float> gradient, Span<float> destination);
}

/// <summary>
/// The loop machinery behind <see cref="IUnaryFunction"/> and <see cref="IBinaryFunction"/>: the widest
/// vector width <see cref="Simd.Level"/> allows, and a tail that goes through a zero-padded vector so that
/// every element sees the same arithmetic wherever it sits in the span.
/// </summary>
internal static class VectorLoop
{
    /// <summary>destination[i] = f(x[i]); destination may be x itself.</summary>
    internal static void Map<TF>(in TF f, ReadOnlySpan<float> x, Span<float> destination) where TF : struct, IUnaryFunction
    {
        int n = x.Length;
        if (destination.Length < n) ThrowShort();
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Simd.Level == SimdLevel.Vector512)
        {
            for (; i <= n - 16; i += 16)
                f.Apply(Vector512.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            if (i < n)
            {
                Span<float> buffer = stackalloc float[16];
                Pad(x[i..], buffer);
                f.Apply(Vector512.Create((ReadOnlySpan<float>)buffer)).CopyTo(buffer);
                buffer[..(n - i)].CopyTo(destination[i..]);
            }
            return;
        }
        if (Simd.Level == SimdLevel.Vector256)
        {
            for (; i <= n - 8; i += 8)
                f.Apply(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            if (i < n)
            {
                Span<float> buffer = stackalloc float[8];
                Pad(x[i..], buffer);
                f.Apply(Vector256.Create((ReadOnlySpan<float>)buffer)).CopyTo(buffer);
                buffer[..(n - i)].CopyTo(destination[i..]);
            }
            return;
        }
        for (; i < n; i++) Unsafe.Add(ref dr, i) = f.Apply(Unsafe.Add(ref xr, i));
    }

    /// <summary>destination[i] = f(x[i], y[i]); destination may be x or y.</summary>
    internal static void Map<TF>(in TF f, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) where TF : struct, IBinaryFunction
    {
        int n = x.Length;
        if (y.Length < n || destination.Length < n) ThrowShort();
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float dr = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Simd.Level == SimdLevel.Vector512)
        {
            for (; i <= n - 16; i += 16)
                f.Apply(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            if (i < n)
            {
                Span<float> bx = stackalloc float[16];
                Span<float> by = stackalloc float[16];
                Pad(x[i..n], bx);
                Pad(y[i..n], by);
                f.Apply(Vector512.Create((ReadOnlySpan<float>)bx), Vector512.Create((ReadOnlySpan<float>)by)).CopyTo(bx);
                bx[..(n - i)].CopyTo(destination[i..]);
            }
            return;
        }
        if (Simd.Level == SimdLevel.Vector256)
        {
            for (; i <= n - 8; i += 8)
                f.Apply(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            if (i < n)
            {
                Span<float> bx = stackalloc float[8];
                Span<float> by = stackalloc float[8];
                Pad(x[i..n], bx);
                Pad(y[i..n], by);
                f.Apply(Vector256.Create((ReadOnlySpan<float>)bx), Vector256.Create((ReadOnlySpan<float>)by)).CopyTo(bx);
                bx[..(n - i)].CopyTo(destination[i..]);
            }
            return;
        }
        for (; i < n; i++) Unsafe.Add(ref dr, i) = f.Apply(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
    }

    /// <summary>destination[i] = f(x[i], y) with a scalar right operand.</summary>
    internal static void Map<TF>(in TF f, ReadOnlySpan<float> x, float y, Span<float> destination) where TF : struct, IBinaryFunction =>
        Map(new RightBound<TF>(f, y), x, destination);

    /// <summary>destination[i] = f(x, y[i]) with a scalar left operand.</summary>
    internal static void Map<TF>(in TF f, float x, ReadOnlySpan<float> y, Span<float> destination) where TF : struct, IBinaryFunction =>
        Map(new LeftBound<TF>(f, x), y, destination);

    private static void Pad(ReadOnlySpan<float> tail, Span<float> buffer)
    {
        buffer.Clear();
        tail.CopyTo(buffer);
    }

    private static void ThrowShort() => throw new ArgumentException("VectorLoop: the spans have different lengths.");

    private readonly struct RightBound<TF>(TF f, float y) : IUnaryFunction where TF : struct, IBinaryFunction
    {
        public float Apply(float x) => f.Apply(x, y);
        public Vector256<float> Apply(Vector256<float> x) => f.Apply(x, Vector256.Create(y));
        public Vector512<float> Apply(Vector512<float> x) => f.Apply(x, Vector512.Create(y));
    }

    private readonly struct LeftBound<TF>(TF f, float x) : IUnaryFunction where TF : struct, IBinaryFunction
    {
        public float Apply(float y) => f.Apply(x, y);
        public Vector256<float> Apply(Vector256<float> y) => f.Apply(Vector256.Create(x), y);
        public Vector512<float> Apply(Vector512<float> y) => f.Apply(Vector512.Create(x), y);
    }
}

/// <summary>
/// Adapts an <see cref="IBinaryFunction"/> to the static <see cref="IBinaryOperator"/> the broadcasting
/// driver calls, for functions without parameters (comparisons, gradient masks).
/// </summary>
internal readonly struct VectorBinaryOperator<TF> : IBinaryOperator where TF : struct, IBinaryFunction
{
    public static float Invoke(float x, float y) => default(TF).Apply(x, y);
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => VectorLoop.Map(default(TF), x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => VectorLoop.Map(default(TF), x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => VectorLoop.Map(default(TF), x, y, d);
}
