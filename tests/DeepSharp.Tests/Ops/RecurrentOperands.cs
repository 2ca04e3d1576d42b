namespace DeepSharp.Tests.Ops;

using Ops = global::DeepSharp.Ops;

/// <summary>
/// The operands of <see cref="Ops.RecurrentSequence"/> as the recurrent op tests draw them from a base seed s: the input
/// (seed s + 1, values in [-1, 1)), the kernel and the recurrent kernel (s + 2 and s + 3, in ±<c>range</c>), the bias
/// (s + 4, in ±0.5; two rows for a GRU that resets after), the initial state (s + 5) and an LSTM's initial cell state
/// (s + 6), both in ±0.5. Every one requires grad.
/// </summary>
internal sealed class RecurrentOperands(int seed, RecurrentCellKind kind, int batch, int steps, int features, int units, float range = 0.6f,
    bool resetAfter = true)
{
    public Tensor X { get; } = OpAssert.Random(seed + 1, -1f, 1f, batch, steps, features);

    public Tensor Kernel { get; } = OpAssert.Random(seed + 2, -range, range, features, (int)kind * units);

    public Tensor Recurrent { get; } = OpAssert.Random(seed + 3, -range, range, units, (int)kind * units);

    public Tensor Bias { get; } = kind == RecurrentCellKind.Gru && resetAfter
        ? OpAssert.Random(seed + 4, -0.5f, 0.5f, 2, (int)kind * units)
        : OpAssert.Random(seed + 4, -0.5f, 0.5f, (int)kind * units);

    public Tensor H0 { get; } = OpAssert.Random(seed + 5, -0.5f, 0.5f, batch, units);

    /// <summary>An LSTM's initial cell state; null for the other cells.</summary>
    public Tensor? C0 { get; } = kind == RecurrentCellKind.Lstm ? OpAssert.Random(seed + 6, -0.5f, 0.5f, batch, units) : null;

    /// <summary>The operands of a cell without an LSTM's cell state.</summary>
    public void Deconstruct(out Tensor x, out Tensor kernel, out Tensor recurrent, out Tensor bias, out Tensor h0) =>
        (x, kernel, recurrent, bias, h0) = (X, Kernel, Recurrent, Bias, H0);

    /// <summary>The cell of a test case's name: "lstm", "gru" (or "gru_reset_before") and "simple_rnn".</summary>
    public static RecurrentCellKind Kind(string cell) => cell switch
    {
        "lstm" => RecurrentCellKind.Lstm,
        "gru" or "gru_reset_before" => RecurrentCellKind.Gru,
        "simple_rnn" => RecurrentCellKind.SimpleRnn,
        _ => throw new ArgumentException($"no cell named '{cell}'", nameof(cell)),
    };

    /// <summary>A rows × columns mask (a step mask, or recurrent dropout's): <paramref name="value"/> but at every position i with i % every == at.</summary>
    public static Tensor Mask(int rows, int columns, int every, int at, float value = 1f) =>
        Tensor.FromArray(Enumerable.Range(0, rows * columns).Select(i => i % every == at ? 0f : value).ToArray(), rows, columns);

    /// <summary>
    /// Zeroes the gradients of <paramref name="inputs"/>, runs <paramref name="op"/> and its backward from an upstream
    /// gradient in [-1, 1) drawn from <paramref name="upstreamSeed"/>; returns the output and the inputs' gradients.
    /// </summary>
    public static float[][] OutputAndGradients(Func<Tensor> op, int upstreamSeed, params Tensor[] inputs)
    {
        foreach (var t in inputs) t.ZeroGrad();
        var y = op();
        y.Backward(Tensor.RandomUniform(y.Shape, -1f, 1f, new RandomGenerator(upstreamSeed)));
        return [y.ToArray(), .. inputs.Select(t => t.Grad!.ToArray())];
    }
}
