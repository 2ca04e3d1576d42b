namespace DeepSharp;

/// <summary>
/// What the attention layers (<see cref="MultiHeadAttention"/>, <see cref="Attention"/>, <see cref="AdditiveAttention"/>)
/// share: they are called with a list [query, value] or [query, value, key], and, as in Keras, with call arguments
/// beyond the list: masks (nonzero where attention may go), <c>useCausalMask</c>, and a second form of the call,
/// <c>CallWithScores</c>, that also returns the attention weights (Keras' <c>return_attention_scores</c>).
/// <para>
/// In a functional model these arguments are recorded with the call: mask tensors are inputs of the call like the
/// list (a model input or any layer's output), the flags are part of the call, and the weights are a second output
/// that can be a model output. A saved model writes such a call as Keras 3 writes its nodes,
/// <c>{"args": [...], "kwargs": {"attention_mask": [...], "use_causal_mask": true}}</c>, so they survive save and load;
/// the layer's configuration stays what Keras writes.
/// </para>
/// </summary>
public abstract class AttentionLayer : MergeLayer
{
    /// <summary>Creates the layer.</summary>
    private protected AttentionLayer(string? name) : base(name)
    {
    }

    /// <inheritdoc/>
    protected override int MaxInputs => 3;

    /// <summary>The masks the call takes by keyword, in Keras' spelling, in the order <see cref="Attend"/> receives them.</summary>
    private protected abstract string[] MaskNames { get; }

    /// <summary>The per-sample shape mask <paramref name="index"/> must have for inputs of <paramref name="inputShapes"/>.</summary>
    private protected abstract TensorShape MaskShape(int index, IReadOnlyList<TensorShape> inputShapes);

    /// <summary>The per-sample shape of the attention weights for inputs of <paramref name="inputShapes"/>.</summary>
    private protected abstract TensorShape ScoresShape(IReadOnlyList<TensorShape> inputShapes);

    /// <summary>
    /// The attention on checked inputs [query, value(, key)], with masks (null where not given); the weights come out too
    /// when <paramref name="returnScores"/> asks for them (without, a layer may compute them inside one op and give null).
    /// </summary>
    private protected abstract Tensor Attend(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor?> masks, bool causal, bool training, bool returnScores, out Tensor? weights);

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs) => Merge(inputs, training: false);

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs, bool training) =>
        Attend(inputs, NoMasks, causal: false, training, returnScores: false, out _);

    /// <summary>One null per mask, read-only: a call without masks allocates nothing for them.</summary>
    private Tensor?[] NoMasks => _noMasks ??= new Tensor?[MaskNames.Length];

    private Tensor?[]? _noMasks;

    /// <summary>
    /// Attention takes sequences of unknown length (None steps, as Keras users give variable-length text), never unknown
    /// features: the weights are sized by them.
    /// </summary>
    protected sealed override bool AcceptsUnknownDimension(int axis, int rank) => axis == 0;

    /// <summary>An eager call with masks and flags: output and weights.</summary>
    private protected (Tensor Output, Tensor Weights) CallEager(IReadOnlyList<Tensor> inputs, Tensor?[] masks, bool causal, bool training)
    {
        var array = Prepare(inputs);
        CheckMasks(array, masks);
        var output = Attend(array, masks, causal, training, returnScores: true, out var weights);
        return (output, weights!);
    }

    /// <summary>An eager call with masks and flags whose weights are not wanted.</summary>
    private protected Tensor CallEagerOutput(IReadOnlyList<Tensor> inputs, Tensor?[] masks, bool causal, bool training)
    {
        var array = Prepare(inputs);
        CheckMasks(array, masks);
        return Attend(array, masks, causal, training, returnScores: false, out _);
    }

    /// <summary>Throws, naming the mask, when a mask given for checked inputs [query, value(, key)] does not have the shape they need.</summary>
    private void CheckMasks(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor?> masks)
    {
        var shapes = new TensorShape[inputs.Length];
        for (int i = 0; i < shapes.Length; i++) shapes[i] = SampleShape(inputs[i].Shape);
        for (int i = 0; i < masks.Length; i++)
        {
            if (masks[i] is not { } mask) continue;
            var expected = MaskShape(i, shapes);
            if (mask.Rank == 0 || mask.Shape[0] != inputs[0].Shape[0] || SampleShape(mask.Shape) != expected)
                throw new ArgumentException(
                    $"{Label}: {MaskNames[i]} must be (batch {inputs[0].Shape[0]}, {string.Join(", ", expected.Dims.ToArray())}) for {DescribeShapes(shapes)}; got {mask.Shape}.",
                    MaskNames[i]);
        }
    }

    /// <summary>A symbolic call with masks and flags: the output, and with <paramref name="scores"/> the weights as a second output.</summary>
    private protected SymbolicTensor[] CallSymbolic(IReadOnlyList<SymbolicTensor> inputs, SymbolicTensor?[] masks, bool causal, bool scores)
    {
        var (array, shape) = Prepare(inputs);
        var names = new List<string>();
        var all = new List<SymbolicTensor>(array);
        var shapes = array.Select(t => t.Shape).ToArray();
        for (int i = 0; i < masks.Length; i++)
        {
            if (masks[i] is not { } mask) continue;
            // Sizes are compared where both are known; the others are checked on every batch.
            var expected = ProbedShape(s => MaskShape(i, s), shapes);
            if (!Fits(mask.Shape, expected))
                throw new ArgumentException(
                    $"{Label}: {MaskNames[i]} must be {FormatBatch(expected)} for {DescribeShapes(shapes)}; got {FormatBatch(mask.Shape)}.", MaskNames[i]);
            names.Add(MaskNames[i]);
            all.Add(mask);
        }
        if (names.Count == 0 && !causal && !scores) return [GraphNode.Create(this, array, [shape]).Outputs[0]];
        var keywords = new CallKeywords(array.Length, [.. names], causal, scores);
        return Record([.. all], keywords, scores ? [shape, ProbedShape(ScoresShape, shapes)] : [shape]);
    }

    /// <summary>
    /// The per-sample shape <paramref name="shapeOf"/> gives for inputs whose sizes may be unknown: worked out with two
    /// stand-in sizes for them, as the output shape is; a size that changes with them is unknown.
    /// </summary>
    private static PartialShape ProbedShape(Func<IReadOnlyList<TensorShape>, TensorShape> shapeOf, PartialShape[] inputs)
    {
        var known = new TensorShape[inputs.Length];
        bool allKnown = true;
        for (int i = 0; i < inputs.Length; i++) allKnown &= inputs[i].TryGetTensorShape(out known[i]);
        if (allKnown) return shapeOf(known);
        var a = shapeOf(inputs.Select(s => s.WithUnknownAs(ProbeSize)).ToArray());
        var b = shapeOf(inputs.Select(s => s.WithUnknownAs(2 * ProbeSize)).ToArray());
        var dims = new int?[a.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = a[i] == b[i] ? a[i] : null;
        return new PartialShape(dims);
    }

    /// <summary>Whether a mask of <paramref name="shape"/> can be one of <paramref name="expected"/>: the same rank, the same sizes where both are known.</summary>
    private static bool Fits(PartialShape shape, PartialShape expected)
    {
        if (shape.Rank != expected.Rank) return false;
        for (int i = 0; i < shape.Rank; i++)
            if (shape[i] is { } size && expected[i] is { } wanted && size != wanted) return false;
        return true;
    }

    internal sealed override SymbolicTensor[] CallRecorded(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyDictionary<string, SymbolicTensor> tensors, CallKeywords keywords)
    {
        var masks = new SymbolicTensor?[MaskNames.Length];
        foreach (var (name, tensor) in tensors)
        {
            int index = Array.IndexOf(MaskNames, name);
            if (index < 0) throw new FormatException($"{Label}: a saved call passes '{name}'; the layer takes {string.Join(", ", MaskNames)}.");
            masks[index] = tensor;
        }
        return CallSymbolic(inputs, masks, keywords.UseCausalMask, keywords.ReturnAttentionScores);
    }

    /// <summary>The masks a saved call may pass, for the reader.</summary>
    internal IReadOnlyCollection<string> MaskKeywords => MaskNames;

    internal sealed override void CheckRecorded(Tensor[] inputs, CallKeywords keywords)
    {
        var list = Prepare(inputs[..keywords.Positional]);
        var masks = new Tensor?[MaskNames.Length];
        for (int i = 0; i < keywords.TensorNames.Length; i++) masks[Array.IndexOf(MaskNames, keywords.TensorNames[i])] = inputs[keywords.Positional + i];
        CheckMasks(list, masks);
    }

    internal sealed override TensorShape[] RecordedOutputShapes(TensorShape[] inputShapes, CallKeywords keywords)
    {
        var list = inputShapes[..keywords.Positional];
        var output = ComputeOutputShape(list);
        return keywords.ReturnAttentionScores ? [output, ScoresShape(list)] : [output];
    }

    internal sealed override void MergeRecorded(ReadOnlySpan<Tensor> inputs, CallKeywords keywords, bool training, Span<Tensor> outputs)
    {
        Span<Tensor?> masks = new Tensor?[MaskNames.Length];
        for (int i = 0; i < keywords.TensorNames.Length; i++) masks[Array.IndexOf(MaskNames, keywords.TensorNames[i])] = inputs[keywords.Positional + i];
        outputs[0] = Attend(inputs[..keywords.Positional], masks, keywords.UseCausalMask, training, keywords.ReturnAttentionScores, out var weights);
        if (keywords.ReturnAttentionScores) outputs[1] = weights!;
    }
}
