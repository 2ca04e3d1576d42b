namespace DeepSharp;

public sealed partial class Tensor
{
    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(params ReadOnlySpan<int> shape) => Zeroed(new TensorShape(shape));

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(TensorShape shape) => Zeroed(shape);

    /// <summary>A tensor of zeros; for languages without span parameters (F#).</summary>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(-1)] // C# takes the span overload
    public static Tensor Zeros(params int[] shape) => Zeroed(new TensorShape((ReadOnlySpan<int>)(shape ?? throw new ArgumentNullException(nameof(shape)))));

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(params ReadOnlySpan<int> shape) => Full(new TensorShape(shape), 1f);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(TensorShape shape) => Full(shape, 1f);

    /// <summary>A tensor of ones; for languages without span parameters (F#).</summary>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(-1)] // C# takes the span overload
    public static Tensor Ones(params int[] shape) => Full(new TensorShape((ReadOnlySpan<int>)(shape ?? throw new ArgumentNullException(nameof(shape)))), 1f);

    /// <summary>A tensor with every element equal to <paramref name="value"/>.</summary>
    public static Tensor Full(TensorShape shape, float value)
    {
        var t = Uninitialized(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A scalar (rank-0) tensor.</summary>
    public static Tensor Scalar(float value) => Full(new TensorShape(), value);

    /// <summary>The values start, start + step, ... below <paramref name="stop"/>, as NumPy's arange.</summary>
    public static Tensor Arange(float start, float stop, float step = 1f)
    {
        if (step == 0 || float.IsNaN(step)) throw new ArgumentException($"Arange: step must be non-zero, got {step}.", nameof(step));
        long count = (long)Math.Ceiling((stop - start) / (double)step);
        if (count < 0) count = 0;
        if (count > int.MaxValue) throw new ArgumentException($"Arange: {count} elements are more than a tensor holds.");
        var t = Uninitialized(new TensorShape((int)count));
        var span = t.Span;
        for (int i = 0; i < span.Length; i++) span[i] = (float)(start + (double)i * step);
        return t;
    }

    /// <summary>The values 0, 1, ..., <paramref name="stop"/> - 1.</summary>
    public static Tensor Arange(int stop) => Arange(0, stop, 1);

    /// <summary>A tensor holding a copy of <paramref name="values"/>, shaped <paramref name="shape"/> (1-D when omitted; use <see cref="Scalar"/> for rank 0).</summary>
    public static Tensor FromArray(ReadOnlySpan<float> values, params ReadOnlySpan<int> shape)
    {
        var tensorShape = shape.Length == 0 ? new TensorShape(values.Length) : new TensorShape(shape);
        if (tensorShape.LongSize != values.Length)
            throw new ArgumentException($"FromArray: shape {tensorShape} holds {TensorShape.FormatCount(tensorShape.LongSize)} elements but {values.Length} values were given.", nameof(shape));
        var t = Uninitialized(tensorShape);
        values.CopyTo(t.Span);
        return t;
    }

    /// <summary>A tensor holding a copy of <paramref name="values"/>, shaped <paramref name="shape"/>.</summary>
    public static Tensor FromArray(float[] values, params ReadOnlySpan<int> shape) => FromArray((ReadOnlySpan<float>)values, shape);

    /// <summary>A tensor holding a copy of <paramref name="values"/>, shaped <paramref name="shape"/>; for languages without span parameters (F#).</summary>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(-1)] // C# takes the span overload
    public static Tensor FromArray(float[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        return FromArray((ReadOnlySpan<float>)values, (ReadOnlySpan<int>)shape);
    }

    /// <summary>A 2-D tensor holding a copy of a rectangular array.</summary>
    public static Tensor FromArray(float[,] values)
    {
        int rows = values.GetLength(0), columns = values.GetLength(1);
        var t = Uninitialized(new TensorShape(rows, columns));
        var span = t.Span;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) span[r * columns + c] = values[r, c];
        return t;
    }

    /// <summary>A tensor of values drawn uniformly from [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor RandomUniform(TensorShape shape, float low = 0f, float high = 1f, RandomGenerator? generator = null)
    {
        if (!(low <= high) || float.IsInfinity(low) || float.IsInfinity(high))
            throw new ArgumentException($"RandomUniform: need finite low <= high, got low={low}, high={high}.");
        var t = Uninitialized(shape);
        (generator ?? RandomGenerator.Default).FillUniform(t.Span, low, high);
        return t;
    }

    /// <summary>A tensor of values drawn from a normal distribution.</summary>
    public static Tensor RandomNormal(TensorShape shape, float mean = 0f, float std = 1f, RandomGenerator? generator = null)
    {
        if (!(std >= 0) || !float.IsFinite(mean) || float.IsInfinity(std))
            throw new ArgumentException($"RandomNormal: need a finite mean and std >= 0, got mean={mean}, std={std}.");
        var t = Uninitialized(shape);
        (generator ?? RandomGenerator.Default).FillNormal(t.Span, mean, std);
        return t;
    }

    /// <summary>A tensor of zeros with the shape of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like) => Zeroed(like.Shape);

    /// <summary>A tensor of ones with the shape of <paramref name="like"/>.</summary>
    public static Tensor OnesLike(Tensor like) => Full(like.Shape, 1f);
}
