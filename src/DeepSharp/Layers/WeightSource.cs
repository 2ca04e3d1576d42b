namespace DeepSharp;

/// <summary>
/// Where a layer's weights come from while a saved model is loaded: set for the duration of the load, it
/// gives <see cref="Layer.AddWeight"/> each weight with its stored values, after checking the stored shape,
/// so no weight is allocated (or initialized) before the file is known to hold it. Outside a load there is
/// none, and weights come from their initializers.
/// </summary>
internal abstract class WeightSource
{
    [ThreadStatic] private static WeightSource? current;

    /// <summary>The source of the load running on this thread, if any.</summary>
    internal static WeightSource? Current => current;

    /// <summary>
    /// A new tensor called <paramref name="name"/> ("dense/kernel") of <paramref name="shape"/> holding the stored
    /// values; throws (naming the weight, the shapes and the file) when the store has no such weight or another shape.
    /// </summary>
    internal abstract Tensor Take(string name, TensorShape shape);

    /// <summary>Makes this the source of the current thread until the returned scope is disposed.</summary>
    internal Scope Use() => new(this);

    /// <summary>Restores the previous source when disposed.</summary>
    internal readonly struct Scope : IDisposable
    {
        private readonly WeightSource? previous;

        internal Scope(WeightSource source)
        {
            previous = current;
            current = source;
        }

        /// <inheritdoc/>
        public void Dispose() => current = previous;
    }
}
