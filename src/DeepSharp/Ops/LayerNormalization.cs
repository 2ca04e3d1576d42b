using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    // ---- layer normalization over the trailing axes ---------------------------------------------------
    // y = x̂·γ + β with x̂ = (x − μ)/σ, σ = √(var + ε) per row of the normalized axes.
    // dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))/σ with dx̂ = dy·γ; dγ = Σ dy·x̂, dβ = Σ dy over the rows.

    /// <summary>
    /// Layer normalization over the last <paramref name="normalizedRank"/> axes of <paramref name="x"/>, in one fused
    /// pass each way: every row of those axes gets zero mean and unit (biased) variance, then is scaled by
    /// <paramref name="gamma"/> and shifted by <paramref name="beta"/> (shaped like the normalized axes, or null).
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="gamma">Scale, shaped like the normalized axes (or flat with as many values), or null for 1.</param>
    /// <param name="beta">Offset, shaped like gamma, or null for 0.</param>
    /// <param name="epsilon">Added to the variance before the square root; positive.</param>
    /// <param name="normalizedRank">How many trailing axes are normalized together (1: the last).</param>
    public static Tensor LayerNormalization(Tensor x, Tensor? gamma, Tensor? beta, float epsilon = 1e-3f, int normalizedRank = 1)
    {
        x.ThrowIfDisposed();
        const string op = "LayerNormalization";
        var (rows, n) = NormalizedRows(op, x, gamma, beta, epsilon, normalizedRank);
        var input = ContiguousOperand.Of(x);
        var y = Tensor.Uninitialized(x._shape);
        var stats = Tensor.Uninitialized(new TensorShape(2, rows)); // mean, then 1/σ
        LayerNormKernel.Forward(input.Pointer, gamma is null ? null : gamma.Pointer, beta is null ? null : beta.Pointer, y.Pointer,
            stats.Pointer, stats.Pointer + rows, rows, n, epsilon);
        ContiguousOperand.Release(input, x);
        RecordLayerNormalization(y, x, gamma, beta, stats, rows, n);
        return y;
    }

    /// <summary>
    /// <paramref name="x"/> + <paramref name="branch"/> (a residual connection; the sum comes back in <paramref name="sum"/>)
    /// and <see cref="LayerNormalization"/> of that sum, in one pass over blocks of rows: the sum is normalized while it is
    /// in L1 instead of being read back from memory by a second op. Both values have the bits of
    /// <see cref="Add(Tensor, Tensor)"/> then <see cref="LayerNormalization"/>, and the graph records those two ops (the sum
    /// as "add_layer_normalization"), so backward is theirs. The operands must have one shape; either may be a strided
    /// view (it is copied first).
    /// </summary>
    internal static Tensor AddLayerNormalization(Tensor x, Tensor branch, Tensor? gamma, Tensor? beta, float epsilon, int normalizedRank, out Tensor sum) =>
        AddLayerNormalization(x, branch, gamma, beta, epsilon, normalizedRank, writableOperand: -1, out sum);

    /// <summary>
    /// <see cref="AddLayerNormalization(Tensor, Tensor, Tensor?, Tensor?, float, int, out Tensor)"/>, the sum written into the
    /// buffer of operand <paramref name="writableOperand"/> (0: <paramref name="x"/>, 1: <paramref name="branch"/>; -1: a
    /// new buffer) when the caller knows that nothing reads that operand after this op in forward and the op finds that
    /// nothing reads it in backward: its producer's backward does not read it (<see cref="Node.OutputUnread"/>), no recorded
    /// op took it as an input, and no other tensor shares its buffer. The sum then shares that buffer. Why: the operand was
    /// just written (a Dense's output, in cache), where a new buffer was last touched a step earlier and every line of it
    /// is read from memory before it is written. The same values either way.
    /// </summary>
    internal static Tensor AddLayerNormalization(Tensor x, Tensor branch, Tensor? gamma, Tensor? beta, float epsilon, int normalizedRank,
        int writableOperand, out Tensor sum)
    {
        x.ThrowIfDisposed();
        branch.ThrowIfDisposed();
        const string op = "AddLayerNormalization";
        if (x._shape != branch._shape)
            throw new ArgumentException($"{op}: the two operands must have one shape; got {x._shape} and {branch._shape}.", nameof(branch));
        var (rows, n) = NormalizedRows(op, x, gamma, beta, epsilon, normalizedRank);
        var a = ContiguousOperand.Of(x);
        var b = ContiguousOperand.Of(branch);
        var target = writableOperand switch { 0 => x, 1 => branch, _ => null };
        sum = target is not null && MayTakeBuffer(target, x, branch) ? Tensor.ContiguousView(target, x._shape) : Tensor.Uninitialized(x._shape);
        var y = Tensor.Uninitialized(x._shape);
        var stats = Tensor.Uninitialized(new TensorShape(2, rows)); // mean, then 1/σ
        LayerNormKernel.AddForward(a.Pointer, b.Pointer, sum.Pointer, gamma is null ? null : gamma.Pointer, beta is null ? null : beta.Pointer,
            y.Pointer, stats.Pointer, stats.Pointer + rows, rows, n, epsilon);
        ContiguousOperand.Release(a, x);
        ContiguousOperand.Release(b, branch);
        Node.Record("add_layer_normalization", AddBackward, sum, x, branch); // the add's rule; named for the fused forward
        RecordLayerNormalization(y, sum, gamma, beta, stats, rows, n);
        return y;
    }

    /// <summary>Whether a residual sum of <paramref name="x"/> and <paramref name="branch"/> may be written over <paramref name="operand"/>'s values: nothing recorded reads them.</summary>
    private static bool MayTakeBuffer(Tensor operand, Tensor x, Tensor branch) =>
        !ReferenceEquals(x, branch) && operand._isContiguous && operand._node is { OutputUnread: true } && operand._recordedReaders == 0
        && operand._storage!.References == 1;

    /// <summary>Records y = layer_normalization(x) with its statistics (recycled when nothing is recorded).</summary>
    private static void RecordLayerNormalization(Tensor y, Tensor x, Tensor? gamma, Tensor? beta, Tensor stats, int rows, int n)
    {
        Node? node = (gamma, beta) switch
        {
            (null, null) => Node.Record("layer_normalization", LayerNormalizationBackward, y, x),
            (not null, null) => Node.Record("layer_normalization", LayerNormalizationBackward, y, x, gamma),
            (null, not null) => Node.Record("layer_normalization", LayerNormalizationBackward, y, x, beta),
            _ => Node.Record("layer_normalization", LayerNormalizationBackward, y, x, gamma, beta),
        };
        if (node is null) stats.Recycle();
        else
        {
            node.Save(new LayerNormalizationSaved(rows, n, gamma is not null, beta is not null));
            node.Keep(stats);
        }
    }

    private readonly record struct LayerNormalizationSaved(int Rows, int N, bool HasGamma, bool HasBeta);

    private static void LayerNormalizationBackward(Node n, Tensor g)
    {
        var x = n.A!;
        var (rows, size, hasGamma, hasBeta) = n.State<LayerNormalizationSaved>();
        var gamma = hasGamma ? n.B : null;
        var beta = hasBeta ? (hasGamma ? n.C : n.B) : null;
        float* mean = n.Kept.First!.Pointer, invStd = mean + rows;
        var input = ContiguousOperand.Of(x);
        var dy = ContiguousOperand.Of(g);
        // A residual stream's gradient is already pending when a layer norm's backward runs: add dx into it here.
        var pending = LayerNormKernel.AddIntoPending ? GradientEngine.PendingToAddInto(x) : null;
        var dx = pending ?? (x._requiresGrad ? GradientEngine.NewGradient(x) : null);
        bool gammaGrad = gamma is not null && gamma._requiresGrad, betaGrad = beta is not null && beta._requiresGrad;
        var dGamma = gammaGrad ? GradientEngine.NewGradient(gamma!) : null;
        var dBeta = betaGrad ? GradientEngine.NewGradient(beta!) : null;
        var partials = gammaGrad || betaGrad ? Tensor.Uninitialized(new TensorShape((int)LayerNormKernel.GradientPartials(rows, size))) : null;
        LayerNormKernel.Backward(input.Pointer, gamma is null ? null : gamma.Pointer, dy.Pointer, mean, invStd, dx is null ? null : dx.Pointer,
            pending is not null, partials is null ? null : partials.Pointer, dGamma is null ? null : dGamma.Pointer, dBeta is null ? null : dBeta.Pointer, rows, size);
        partials?.Recycle();
        ContiguousOperand.Release(input, x);
        ContiguousOperand.Release(dy, g);
        if (dx is not null && pending is null) GradientEngine.Accumulate(x, dx);
        if (dGamma is not null) GradientEngine.Accumulate(gamma!, dGamma);
        if (dBeta is not null) GradientEngine.Accumulate(beta!, dBeta);
    }

    /// <summary>
    /// Checks a layer normalization's arguments and returns how many rows of <paramref name="x"/> it normalizes and how
    /// many values each row holds (the last <paramref name="normalizedRank"/> axes).
    /// </summary>
    private static (int Rows, int N) NormalizedRows(string op, Tensor x, Tensor? gamma, Tensor? beta, float epsilon, int normalizedRank)
    {
        if (normalizedRank < 1 || normalizedRank > x.Rank)
            throw new ArgumentOutOfRangeException(nameof(normalizedRank), normalizedRank,
                $"{op}: normalizedRank must be between 1 and the input's rank {x.Rank} (shape {x._shape}); got {normalizedRank}.");
        if (!(epsilon > 0f) || !float.IsFinite(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{op}: epsilon must be a positive number; got {epsilon}.");
        int n = 1;
        for (int d = x.Rank - normalizedRank; d < x.Rank; d++) n *= x._shape[d];
        int rows = n == 0 ? 0 : (int)(x._shape.Size / n);
        CheckNormalizedWeight(op, nameof(gamma), gamma, n, x._shape);
        CheckNormalizedWeight(op, nameof(beta), beta, n, x._shape);
        return (rows, n);
    }

    private static void CheckNormalizedWeight(string op, string argument, Tensor? weight, int n, in TensorShape input)
    {
        if (weight is null) return;
        weight.ThrowIfDisposed();
        if (weight._shape.Size != n)
            throw new ArgumentException(
                $"{op}: {argument} must have one value per element of the normalized axes ({n} for input {input}); got shape {weight._shape}.", argument);
        if (!weight._isContiguous) throw new ArgumentException($"{op}: {argument} must be contiguous.", argument);
    }
}
