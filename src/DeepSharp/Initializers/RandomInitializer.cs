namespace DeepSharp;

/// <summary>An initializer that draws random values: from its own <see cref="Seed"/> when given, as Keras' seeded initializers.</summary>
/// <param name="seed">A fixed seed, or null to draw from the generator passed to <see cref="Initializer.Fill"/>.</param>
public abstract class RandomInitializer(long? seed) : Initializer
{
    /// <summary>A fixed seed, or null to use the generator passed in.</summary>
    public long? Seed { get; } = seed;

    /// <summary>The generator to draw from: a fresh one from <see cref="Seed"/>, or <paramref name="random"/>.</summary>
    protected RandomGenerator GeneratorFor(RandomGenerator random) => Seed is { } s ? new RandomGenerator(s) : random;
}
