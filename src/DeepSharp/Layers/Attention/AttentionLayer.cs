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

    /// <summary>The attention on checked inputs [query, value(, key)], with masks (null where not given); the weights come out too.</summary>
    private protected abstract Tensor Attend(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor?> masks, bool causal, bool training, out Tensor weights);

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs) => Merge(inputs, training: false);

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs, bool training) =>
        Attend(inputs, new Tensor?[MaskNames.Length], causal: false, training, out _);

    /// <summary>An eager call with masks and flags: output and weights.</summary>
    private protected (Tensor Output, Tensor Weights) CallEager(IReadOnlyList<Tensor> inputs, Tensor?[] masks, bool causal, bool training)
    {
        var array = Prepare(inputs);
        var shapes = array.Select(t => SampleShape(t.Shape)).ToArray();
        for (int i = 0; i < masks.Length; i++)
        {
            if (masks[i] is not { } mask) continue;
            var expected = MaskShape(i, shapes);
            if (mask.Rank == 0 || mask.Shape[0] != array[0].Shape[0] || SampleShape(mask.Shape) != expected)
                throw new ArgumentException(
                    $"{Label}: {MaskNames[i]} must be (batch {array[0].Shape[0]}, {string.Join(", ", expected.Dims.ToArray())}) for {DescribeShapes(shapes)}; got {mask.Shape}.",
                    MaskNames[i]);
        }
        var output = Attend(array, masks, causal, training, out var weights);
        return (output, weights);
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
            var expected = MaskShape(i, shapes);
            if (mask.Shape != expected)
                throw new ArgumentException(
                    $"{Label}: {MaskNames[i]} must be {FormatBatch(expected)} for {DescribeShapes(shapes)}; got {FormatBatch(mask.Shape)}.", MaskNames[i]);
            names.Add(MaskNames[i]);
            all.Add(mask);
        }
        if (names.Count == 0 && !causal && !scores) return [GraphNode.Create(this, array, [shape]).Outputs[0]];
        var keywords = new CallKeywords(array.Length, [.. names], causal, scores);
        return Record([.. all], keywords, scores ? [shape, ScoresShape(shapes)] : [shape]);
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

    internal sealed override void MergeRecorded(ReadOnlySpan<Tensor> inputs, CallKeywords keywords, bool training, Span<Tensor> outputs)
    {
        Span<Tensor?> masks = new Tensor?[MaskNames.Length];
        for (int i = 0; i < keywords.TensorNames.Length; i++) masks[Array.IndexOf(MaskNames, keywords.TensorNames[i])] = inputs[keywords.Positional + i];
        outputs[0] = Attend(inputs[..keywords.Positional], masks, keywords.UseCausalMask, training, out var weights);
        if (keywords.ReturnAttentionScores) outputs[1] = weights;
    }
}
