namespace DeepSharp.Kernels;

/// <summary>
/// A group of float lanes and the arithmetic kernels write their math with: a kernel is written once, generic
/// over the lane type, and <see cref="Lanes512"/>, <see cref="Lanes256"/>, <see cref="Lanes128"/> (AVX-512,
/// AVX2, SSE or ARM NEON) run its body while <see cref="Lane1"/> runs the tail, or everything where no vector
/// unit is used. Every operation is exactly rounded or exact (the multiply-add rounds once, at every width),
/// so all widths give the same bits.
/// </summary>
/// <remarks>
/// Masks are lanes too: a comparison gives all bits set where it holds and zero elsewhere, which
/// <see cref="Select"/> and <c>&amp;</c> consume.
/// </remarks>
internal unsafe interface ILanes<TSelf> where TSelf : struct, ILanes<TSelf>
{
    /// <summary>Floats per group.</summary>
    static abstract int Count { get; }

    static abstract TSelf Load(float* source);
    static abstract void Store(float* destination, TSelf value);
    static abstract TSelf Broadcast(float value);

    /// <summary>
    /// Stores optimizer state with subnormal values flushed to zero, as TensorFlow's flush-to-zero CPU mode
    /// does: moments of a weight whose gradient stays zero decay geometrically into subnormal numbers, and
    /// x86 processes those about a hundred times slower (an Adam step on the seed MLP went from 35 µs to 660 µs).
    /// </summary>
    static abstract void StoreState(float* destination, TSelf value);

    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator /(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a);

    /// <summary>Bitwise and: a mask applied to values, or two masks combined.</summary>
    static abstract TSelf operator &(TSelf a, TSelf b);

    /// <summary>Bitwise or.</summary>
    static abstract TSelf operator |(TSelf a, TSelf b);

    /// <summary>a · b + c, rounded once.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);
    static abstract TSelf Sqrt(TSelf a);
    static abstract TSelf Abs(TSelf a);
    static abstract TSelf Floor(TSelf a);

    /// <summary>The larger value; NaN if either is NaN, and +0 above −0 (as <see cref="MathF.Max"/>).</summary>
    static abstract TSelf Max(TSelf a, TSelf b);

    /// <summary>The smaller value; NaN if either is NaN, and −0 below +0 (as <see cref="MathF.Min"/>).</summary>
    static abstract TSelf Min(TSelf a, TSelf b);

    /// <summary>
    /// min(max(x, lower), upper) for bounds that are not zero (and lower &lt; upper), NaN staying NaN: one max and one
    /// min instruction, where <see cref="Max"/> and <see cref="Min"/> also order −0 and +0 (three more on x86).
    /// </summary>
    static abstract TSelf Clamp(TSelf x, TSelf lower, TSelf upper);

    /// <summary>The magnitude of <paramref name="value"/> with the sign of <paramref name="sign"/>.</summary>
    static abstract TSelf CopySign(TSelf value, TSelf sign);

    /// <summary>
    /// p · 2ⁿ for whole numbers n in [−252, 254], rounded once (to a subnormal number, or to infinity, where
    /// the product falls there): the last step of an exponential.
    /// </summary>
    static abstract TSelf ScaleB(TSelf p, TSelf n);

    /// <summary>The natural logarithm, by the runtime's vector algorithm (the same at every width).</summary>
    static abstract TSelf Log(TSelf a);

    static abstract TSelf Equal(TSelf a, TSelf b);
    static abstract TSelf GreaterThan(TSelf a, TSelf b);
    static abstract TSelf GreaterThanOrEqual(TSelf a, TSelf b);
    static abstract TSelf LessThan(TSelf a, TSelf b);
    static abstract TSelf LessThanOrEqual(TSelf a, TSelf b);

    /// <summary>Where <paramref name="mask"/> is set, <paramref name="whenTrue"/>; elsewhere <paramref name="whenFalse"/>.</summary>
    static abstract TSelf Select(TSelf mask, TSelf whenTrue, TSelf whenFalse);

    /// <summary>Lanes holding the 32-bit integers start, start + 1, …: element indices, carried in float lanes by their bits.</summary>
    static abstract TSelf Indices(int start);

    /// <summary>A mask of the lanes whose bits are equal (integers carried in float lanes compared as integers).</summary>
    static abstract TSelf EqualBits(TSelf a, TSelf b);
}
