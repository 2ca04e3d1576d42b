using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>
/// A seedable random number generator (xoshiro256**, seeded through SplitMix64): the same seed gives the
/// same numbers on every machine and .NET version. <see cref="Default"/> is what creation functions and
/// initializers use unless given another; <see cref="SetSeed"/> reseeds it, as Keras'
/// <c>set_random_seed</c>.
/// </summary>
public sealed unsafe class RandomGenerator : IRandomSource
{
    private ulong _s0, _s1, _s2, _s3;
    private float _spareNormal;
    private bool _hasSpareNormal;

    [ThreadStatic] private static RandomGenerator? t_default;
    private static long _defaultSeed = Environment.TickCount64;

    /// <summary>Creates a generator from a seed.</summary>
    public RandomGenerator(long seed) => Reseed(seed);

    /// <summary>The generator used when none is given (one per thread, all derived from the global seed).</summary>
    public static RandomGenerator Default => t_default ??= new RandomGenerator(Interlocked.Read(ref _defaultSeed) ^ (Environment.CurrentManagedThreadId * unchecked((long)0x9E3779B97F4A7C15UL)));

    /// <summary>Reseeds the default generator of the calling thread (and of threads that start using it later).</summary>
    public static void SetSeed(long seed)
    {
        Interlocked.Exchange(ref _defaultSeed, seed);
        t_default = new RandomGenerator(seed);
    }

    /// <summary>Restarts the sequence from <paramref name="seed"/>.</summary>
    public void Reseed(long seed)
    {
        ulong x = (ulong)seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
        _hasSpareNormal = false;
    }

    /// <summary>
    /// The generator's whole state: <see cref="State"/> = a saved state makes it draw the numbers it drew after that
    /// state was taken (a resumed training run's dropout masks).
    /// </summary>
    /// <exception cref="ArgumentException">The state words are all zero (xoshiro256** never reaches that state).</exception>
    public RandomGeneratorState State
    {
        get => new(_s0, _s1, _s2, _s3, _hasSpareNormal ? _spareNormal : null);
        set
        {
            if ((value.S0 | value.S1 | value.S2 | value.S3) == 0)
                throw new ArgumentException("RandomGenerator: all four state words are zero, a state xoshiro256** never reaches.", nameof(value));
            (_s0, _s1, _s2, _s3) = (value.S0, value.S1, value.S2, value.S3);
            _hasSpareNormal = value.SpareNormal is not null;
            _spareNormal = value.SpareNormal ?? 0f;
        }
    }

    /// <summary>A new generator seeded from this one: for a child task that needs its own stream.</summary>
    public RandomGenerator Fork() => new((long)NextUInt64());

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64() => Xoshiro256.Next(ref _s0, ref _s1, ref _s2, ref _s3);

    /// <summary>A float uniformly in [0, 1).</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>A double uniformly in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>An integer uniformly in [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "Must be positive.");
        return (int)((NextUInt64() >> 32) * (ulong)maxExclusive >> 32);
    }

    /// <summary>A float from the standard normal distribution (Box–Muller).</summary>
    public float NextNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }
        ulong first = NextUInt64();
        BoxMuller.Pair(first, NextUInt64(), out float cosine, out _spareNormal);
        _hasSpareNormal = true;
        return cosine;
    }

    /// <summary>Fills <paramref name="values"/> uniformly in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public void FillUniform(Span<float> values, float low, float high)
    {
        float range = high - low;
        for (int i = 0; i < values.Length; i++) values[i] = low + range * NextFloat();
    }

    /// <summary>Fills <paramref name="values"/> from a normal distribution.</summary>
    public void FillNormal(Span<float> values, float mean, float std)
    {
        int i = 0;
        if (_hasSpareNormal && values.Length > 0) values[i++] = mean + std * NextNormal();
        int pairs = (values.Length - i) / 2;
        if (BoxMuller.Shares(pairs))
        {
            // The bits drawn here in order, the transform of each pair on all threads: the values of the loop below.
            if (t_draws is null || t_draws.Length < 2 * pairs) t_draws = new ulong[2 * pairs];
            for (int d = 0; d < 2 * pairs; d++) t_draws[d] = NextUInt64();
            fixed (float* v = values)
            fixed (ulong* draws = t_draws)
                BoxMuller.Fill(v + i, draws, pairs, mean, std);
            i += 2 * pairs;
        }
        for (; i < values.Length; i++) values[i] = mean + std * NextNormal();
    }

    [ThreadStatic] private static ulong[]? t_draws;

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher–Yates).</summary>
    public void Shuffle<T>(Span<T> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
