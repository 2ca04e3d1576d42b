using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>An elementwise function of one variable, written once over lanes (the math of an op).</summary>
internal interface IUnaryFunction
{
    T Apply<T>(T x) where T : struct, ILanes<T>;
}

/// <summary>An elementwise function of two variables, written once over lanes.</summary>
internal interface IBinaryFunction
{
    T Apply<T>(T x, T y) where T : struct, ILanes<T>;
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
/// The loop machinery behind <see cref="IUnaryFunction"/> and <see cref="IBinaryFunction"/>, as TensorPrimitives'
/// operator structs and their one driver: the width <see cref="Simd.Level"/> names, whole groups of lanes for the
/// body, and a tail that goes through one zero-padded group (one vector evaluation rather than a scalar loop; the
/// lanes round alike, so the values are those a scalar tail would give).
/// </summary>
internal static unsafe class VectorLoop
{
    private const int WidestGroup = 16;

    /// <summary>destination[i] = f(x[i]); destination may be x itself.</summary>
    internal static void Map<TF>(in TF f, ReadOnlySpan<float> x, Span<float> destination) where TF : struct, IUnaryFunction
    {
        int n = x.Length;
        if (destination.Length < n) ThrowShort();
        fixed (float* px = x, pd = destination)
        {
            var map = new UnaryMap<TF>(f, px, pd, n);
            LaneKernel.Run(ref map);
        }
    }

    /// <summary>destination[i] = f(x[i], y[i]); destination may be x or y.</summary>
    internal static void Map<TF>(in TF f, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) where TF : struct, IBinaryFunction
    {
        int n = x.Length;
        if (y.Length < n || destination.Length < n) ThrowShort();
        fixed (float* px = x, py = y, pd = destination)
        {
            var map = new BinaryMap<TF>(f, px, py, pd, n);
            LaneKernel.Run(ref map);
        }
    }

    /// <summary>destination[i] = f(x[i], y) with a scalar right operand.</summary>
    internal static void Map<TF>(in TF f, ReadOnlySpan<float> x, float y, Span<float> destination) where TF : struct, IBinaryFunction =>
        Map(new RightBound<TF>(f, y), x, destination);

    /// <summary>destination[i] = f(x, y[i]) with a scalar left operand.</summary>
    internal static void Map<TF>(in TF f, float x, ReadOnlySpan<float> y, Span<float> destination) where TF : struct, IBinaryFunction =>
        Map(new LeftBound<TF>(f, x), y, destination);

    private readonly struct UnaryMap<TF>(TF f, float* x, float* d, int n) : ILaneKernel where TF : struct, IUnaryFunction
    {
        /// <remarks>Never inlined: the function's many small lane helpers need the loop's own inlining budget.</remarks>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<T>() where T : struct, ILanes<T>
        {
            var function = f;
            float* source = x, destination = d;
            int length = n, i = 0;
            for (; i <= length - T.Count; i += T.Count) T.Store(destination + i, function.Apply(T.Load(source + i)));
            if (i == length) return;
            float* bx = stackalloc float[WidestGroup];
            Pad(source + i, length - i, bx);
            T.Store(bx, function.Apply(T.Load(bx)));
            Copy(bx, destination + i, length - i);
        }
    }

    private readonly struct BinaryMap<TF>(TF f, float* x, float* y, float* d, int n) : ILaneKernel where TF : struct, IBinaryFunction
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<T>() where T : struct, ILanes<T>
        {
            var function = f;
            float* first = x, second = y, destination = d;
            int length = n, i = 0;
            for (; i <= length - T.Count; i += T.Count) T.Store(destination + i, function.Apply(T.Load(first + i), T.Load(second + i)));
            if (i == length) return;
            float* bx = stackalloc float[WidestGroup];
            float* by = stackalloc float[WidestGroup];
            Pad(first + i, length - i, bx);
            Pad(second + i, length - i, by);
            T.Store(bx, function.Apply(T.Load(bx), T.Load(by)));
            Copy(bx, destination + i, length - i);
        }
    }

    /// <summary>The first <paramref name="count"/> floats of a group, the rest zero.</summary>
    private static void Pad(float* tail, int count, float* group)
    {
        new Span<float>(group, WidestGroup).Clear();
        Copy(tail, group, count);
    }

    private static void Copy(float* source, float* destination, int count) =>
        new ReadOnlySpan<float>(source, count).CopyTo(new Span<float>(destination, count));

    private static void ThrowShort() => throw new ArgumentException("VectorLoop: the spans have different lengths.");

    private readonly struct RightBound<TF>(TF f, float y) : IUnaryFunction where TF : struct, IBinaryFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Apply<T>(T x) where T : struct, ILanes<T> => f.Apply(x, T.Broadcast(y));
    }

    private readonly struct LeftBound<TF>(TF f, float x) : IUnaryFunction where TF : struct, IBinaryFunction
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Apply<T>(T y) where T : struct, ILanes<T> => f.Apply(T.Broadcast(x), y);
    }
}

/// <summary>
/// Adapts an <see cref="IBinaryFunction"/> to the static <see cref="IBinaryOperator"/> the broadcasting
/// driver calls, for functions without parameters (comparisons, gradient masks).
/// </summary>
internal readonly struct VectorBinaryOperator<TF> : IBinaryOperator where TF : struct, IBinaryFunction
{
    public static float Invoke(float x, float y) => default(TF).Apply(new Lane1(x), new Lane1(y)).Value;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => VectorLoop.Map(default(TF), x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => VectorLoop.Map(default(TF), x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => VectorLoop.Map(default(TF), x, y, d);
}
