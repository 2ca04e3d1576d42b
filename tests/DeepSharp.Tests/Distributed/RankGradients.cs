namespace DeepSharp.Tests.Distributed;

/// <summary>The gradients a rank hands the averager in the averager tests: values that differ by rank, variable and position.</summary>
internal static class RankGradients
{
    /// <summary>
    /// Rank <paramref name="rank"/>'s gradient of variable <paramref name="index"/>: <paramref name="value"/>(rank, index, k)
    /// at position k, in the variable's shape.
    /// </summary>
    public static Tensor Of(Tensor variable, int rank, int index, Func<int, int, int, float> value) =>
        Tensor.FromArray(Enumerable.Range(0, variable.Size).Select(k => value(rank, index, k)).ToArray(), variable.Shape.Dims);

    /// <summary>Rank <paramref name="rank"/>'s gradients of every one of <paramref name="variables"/>.</summary>
    public static Tensor?[] Of(Tensor[] variables, int rank, Func<int, int, int, float> value) =>
        [.. variables.Select((v, i) => (Tensor?)Of(v, rank, i, value))];
}
