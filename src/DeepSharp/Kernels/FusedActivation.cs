namespace DeepSharp.Kernels;

/// <summary>
/// What a convolution's output pass applies after the bias instead of separate ops: nothing, a ReLU, or a leaky
/// ReLU, each optionally followed by a dropout mask (one float per output value: 0, or the kept values' scale). On the
/// way back the same pass takes the output gradient through it: g·mask, then the activation's derivative read from
/// the output y. That is exact because a slope and a mask are never negative: where a value is kept, y &gt; 0 exactly
/// where the activation's input was, and where it is dropped g·mask is a zero the slope leaves a zero of the same sign,
/// so the values are the bits of the separate ops (leaky ReLU, then dropout).
/// </summary>
internal readonly unsafe struct FusedActivation
{
    private FusedActivation(FusedActivationKind kind, float slope, float* mask)
    {
        Kind = kind;
        Slope = slope;
        Mask = mask;
    }

    /// <summary>Nothing: the output is the convolution plus its bias.</summary>
    public static FusedActivation None => default;

    /// <summary>max(y, 0).</summary>
    public static FusedActivation Relu => new(FusedActivationKind.Relu, 0f, null);

    /// <summary>y for y &gt; 0, <paramref name="slope"/>·y otherwise (slope ≥ 0), times <paramref name="mask"/> when given.</summary>
    public static FusedActivation LeakyRelu(float slope, float* mask = null) => new(FusedActivationKind.LeakyRelu, slope, mask);

    /// <summary>The activation.</summary>
    public FusedActivationKind Kind { get; }

    /// <summary>The leaky ReLU's slope below zero.</summary>
    public float Slope { get; }

    /// <summary>The dropout mask over the whole output (rows of filters), or null.</summary>
    public float* Mask { get; }

    /// <summary>Whether the pass leaves the values as they are (no activation, no mask).</summary>
    public bool IsNone => Kind == FusedActivationKind.None && Mask == null;

    /// <summary>Whether it is a ReLU alone, the one activation the specialised kernels (Winograd, direct, pooled) apply themselves.</summary>
    public bool IsRelu => Kind == FusedActivationKind.Relu && Mask == null;

    /// <summary>The same activation with <paramref name="mask"/> (a kept tensor's values, found again in backward).</summary>
    public FusedActivation WithMask(float* mask) => new(Kind, Slope, mask);

    /// <summary>The same activation for the part of the output that starts <paramref name="values"/> floats in (its mask moves along).</summary>
    public FusedActivation At(long values) => Mask == null ? this : new(Kind, Slope, Mask + values);
}

/// <summary>The activation functions a convolution's output pass can apply.</summary>
internal enum FusedActivationKind
{
    None = 0,
    Relu = 1,
    LeakyRelu = 2,
}
