namespace DeepSharp.Kernels;

/// <summary>
/// What a convolution's output pass applies after the bias instead of separate ops: nothing, a ReLU, or a leaky
/// ReLU, each optionally followed by a dropout mask (one float per output value: 0, or the kept values' scale; or one bit
/// per output value, set where kept, and the scale). On the
/// way back the same pass takes the output gradient through it: g·mask, then the activation's derivative read from
/// the output y. That is exact because a slope and a mask are never negative: where a value is kept, y &gt; 0 exactly
/// where the activation's input was, and where it is dropped g·mask is a zero the slope leaves a zero of the same sign,
/// so the values are the bits of the separate ops (leaky ReLU, then dropout).
/// </summary>
internal readonly unsafe struct FusedActivation
{
    // One mask field for both kinds (a node saves this struct in 96 bytes beside a convolution's geometry): floats, or
    // bits when there is a scale for them, the bits then starting at bit _bitShift of the byte it points to.
    private readonly void* _mask;
    private readonly int _bitShift;

    private FusedActivation(FusedActivationKind kind, float slope, void* mask, float maskScale = 0f, int bitShift = 0)
    {
        Kind = kind;
        Slope = slope;
        _mask = mask;
        MaskScale = maskScale;
        _bitShift = bitShift;
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

    /// <summary>The dropout mask over the whole output (rows of filters) as floats, or null.</summary>
    public float* Mask => MaskScale == 0f ? (float*)_mask : null;

    /// <summary>
    /// The dropout mask over the whole output as bits (see <see cref="BernoulliMask.FillBits"/>), or null: this part of the
    /// output starts at bit <see cref="MaskBitShift"/> of the byte it points to, and a set bit keeps a value times
    /// <see cref="MaskScale"/>.
    /// </summary>
    public byte* MaskBits => MaskScale != 0f ? (byte*)_mask : null;

    /// <summary>The bit of <see cref="MaskBits"/>' first byte that holds this part of the output's first value.</summary>
    public int MaskBitShift => _bitShift;

    /// <summary>What a kept value is multiplied by with a bit mask (its 1 / (1 − rate)); 0 for a float mask or none.</summary>
    public float MaskScale { get; }

    /// <summary>Whether the pass leaves the values as they are (no activation, no mask).</summary>
    public bool IsNone => Kind == FusedActivationKind.None && _mask == null;

    /// <summary>Whether it is a ReLU alone, the one activation the specialised kernels (Winograd, direct, pooled) apply themselves.</summary>
    public bool IsRelu => Kind == FusedActivationKind.Relu && _mask == null;

    /// <summary>The same activation with <paramref name="mask"/> (a kept tensor's values, found again in backward).</summary>
    public FusedActivation WithMask(float* mask) => new(Kind, Slope, mask);

    /// <summary>
    /// The same activation with a bit mask (a kept tensor's storage, found again in backward; null to note only the scale,
    /// as a node saves it) whose kept values are scaled by <paramref name="scale"/> (not 0).
    /// </summary>
    public FusedActivation WithMaskBits(byte* bits, float scale) => new(Kind, Slope, bits, scale);

    /// <summary>The same activation for the part of the output that starts <paramref name="values"/> floats in (its mask moves along).</summary>
    public FusedActivation At(long values)
    {
        if (_mask == null) return this;
        if (MaskScale == 0f) return new(Kind, Slope, (float*)_mask + values);
        long bit = _bitShift + values;
        return new(Kind, Slope, (byte*)_mask + (bit >> 3), MaskScale, (int)(bit & 7));
    }
}

/// <summary>The activation functions a convolution's output pass can apply.</summary>
internal enum FusedActivationKind
{
    None = 0,
    Relu = 1,
    LeakyRelu = 2,
}
