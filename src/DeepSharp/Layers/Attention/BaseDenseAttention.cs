namespace DeepSharp;

/// <summary>
/// What <see cref="Attention"/> and <see cref="AdditiveAttention"/> share, as Keras' dot-product attention layers:
/// called with a list [query, value] or [query, value, key] of sequences (batch, steps, features), the key being the
/// value when not given; scores of every query step against every key step (the subclass' form), a softmax over the
/// key steps, dropout on those weights in training, and the weighted sum of the value steps:
/// output (batch, query steps, value features).
/// <para>
/// Keras' call arguments: <c>queryMask</c> (batch, query steps) zeroes the output of masked query steps,
/// <c>valueMask</c> (batch, value steps) keeps attention off masked value steps, <c>useCausalMask</c> off later steps;
/// a query step left with nothing to attend to gets zero weights. <c>CallWithScores</c> also returns the weights
/// (batch, query steps, value steps) before dropout.
/// </para>
/// </summary>
public abstract class BaseDenseAttention : AttentionLayer
{
    private readonly RandomGenerator _random;

    /// <summary>Creates the layer; <paramref name="dropout"/> in [0, 1) is applied to the attention weights in training.</summary>
    protected BaseDenseAttention(double dropout, long? seed, string? name) : base(name)
    {
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{GetType().Name}: dropout must be in [0, 1); got {dropout}.");
        Dropout = dropout;
        Seed = seed;
        _random = seed is { } s ? new RandomGenerator(s) : RandomGenerator.Default.Fork();
    }

    /// <summary>The fraction of attention weights dropped in training.</summary>
    public double Dropout { get; }

    /// <summary>The seed of the dropout masks, if given.</summary>
    public long? Seed { get; }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(IReadOnlyList<TensorShape> inputShapes)
    {
        var (query, value, key) = AttentionInputs.Check(inputShapes, Label, DescribeShapes);
        CheckScoreShapes(query, key, inputShapes);
        return new TensorShape(query[0], value[1]);
    }

    /// <summary>Throws, naming the layer and the shapes, when query and key cannot be scored against each other.</summary>
    protected virtual void CheckScoreShapes(TensorShape query, TensorShape key, IReadOnlyList<TensorShape> inputShapes)
    {
        if (query[1] != key[1])
            throw new ArgumentException(
                $"{Label}: query and key need the same number of features; got {DescribeShapes(inputShapes)} (query {query[1]}, key {key[1]}).");
    }

    /// <summary>The scores (batch, query steps, key steps) of every query step against every key step.</summary>
    protected abstract Tensor Scores(Tensor query, Tensor key);

    /// <summary>Attends with Keras' call arguments; see the class remarks.</summary>
    /// <param name="inputs">[query, value] or [query, value, key].</param>
    /// <param name="queryMask">(batch, query steps), nonzero for the steps to keep; null for none.</param>
    /// <param name="valueMask">(batch, value steps), nonzero for the steps that may be attended to; null for none.</param>
    /// <param name="useCausalMask">Mask every value step after the query step.</param>
    /// <param name="training">Apply dropout to the weights.</param>
    public Tensor Call(IReadOnlyList<Tensor> inputs, Tensor? queryMask = null, Tensor? valueMask = null, bool useCausalMask = false, bool training = false) =>
        CallEagerOutput(inputs, [queryMask, valueMask], useCausalMask, training);

    /// <summary>As <see cref="Call(IReadOnlyList{Tensor}, Tensor?, Tensor?, bool, bool)"/>, also returning the weights (batch, Tq, Tv).</summary>
    /// <param name="inputs">[query, value] or [query, value, key].</param>
    /// <param name="queryMask">(batch, query steps), nonzero for the steps to keep; null for none.</param>
    /// <param name="valueMask">(batch, value steps), nonzero for the steps that may be attended to; null for none.</param>
    /// <param name="useCausalMask">Mask every value step after the query step.</param>
    /// <param name="training">Apply dropout to the weights (the returned weights are those before dropout).</param>
    public (Tensor Output, Tensor Scores) CallWithScores(IReadOnlyList<Tensor> inputs, Tensor? queryMask = null, Tensor? valueMask = null,
        bool useCausalMask = false, bool training = false) =>
        CallEager(inputs, [queryMask, valueMask], useCausalMask, training);

    /// <summary>Records a call with Keras' call arguments in a functional model; masks are symbolic tensors (query steps) and (value steps).</summary>
    /// <param name="inputs">[query, value] or [query, value, key].</param>
    /// <param name="queryMask">Per sample (query steps); null for none.</param>
    /// <param name="valueMask">Per sample (value steps); null for none.</param>
    /// <param name="useCausalMask">Mask every value step after the query step.</param>
    public SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, SymbolicTensor? queryMask = null, SymbolicTensor? valueMask = null, bool useCausalMask = false) =>
        CallSymbolic(inputs, [queryMask, valueMask], useCausalMask, scores: false)[0];

    /// <summary>As <see cref="Call(IReadOnlyList{SymbolicTensor}, SymbolicTensor?, SymbolicTensor?, bool)"/>, also returning the weights (Tq, Tv) as a second output.</summary>
    /// <param name="inputs">[query, value] or [query, value, key].</param>
    /// <param name="queryMask">Per sample (query steps); null for none.</param>
    /// <param name="valueMask">Per sample (value steps); null for none.</param>
    /// <param name="useCausalMask">Mask every value step after the query step.</param>
    public (SymbolicTensor Output, SymbolicTensor Scores) CallWithScores(IReadOnlyList<SymbolicTensor> inputs, SymbolicTensor? queryMask = null,
        SymbolicTensor? valueMask = null, bool useCausalMask = false)
    {
        var outputs = CallSymbolic(inputs, [queryMask, valueMask], useCausalMask, scores: true);
        return (outputs[0], outputs[1]);
    }

    private protected override string[] MaskNames { get; } = ["query_mask", "value_mask"];

    private protected override TensorShape MaskShape(int index, IReadOnlyList<TensorShape> inputShapes) =>
        new(index == 0 ? inputShapes[0][0] : inputShapes[1][0]);

    private protected override TensorShape ScoresShape(IReadOnlyList<TensorShape> inputShapes) => new(inputShapes[0][0], inputShapes[1][0]);

    private protected override Tensor Attend(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor?> masks, bool causal, bool training, bool returnScores, out Tensor? weights)
    {
        Tensor query = inputs[0], value = inputs[1], key = inputs.Length > 2 ? inputs[2] : value;
        var scores = Scores(query, key);
        // The value mask is one row per sample, read in place for every query step: (batch, 1, Tv).
        var valueMask = masks[1] is { } vm ? Ops.Reshape(vm, vm.Shape[0], 1, vm.Shape[1]) : null;
        weights = valueMask is null && !causal ? Ops.Softmax(scores, axis: -1) : Ops.MaskedSoftmax(scores, valueMask, causal);
        var dropped = training && Dropout > 0 ? Ops.Dropout(weights, (float)Dropout, _random) : weights;
        var output = Ops.MatMul(dropped, value);
        if (masks[0] is not { } queryMask) return output;
        // Keras multiplies the output by the query mask (as 0/1).
        using (Autograd.NoGrad())
            queryMask = Ops.Reshape(Ops.NotEqual(queryMask, 0f), queryMask.Shape[0], queryMask.Shape[1], 1);
        return Ops.Multiply(output, queryMask);
    }

    /// <inheritdoc/>
    public override System.Text.Json.Nodes.JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["dropout"] = Dropout;
        config["seed"] = Seed;
        return config;
    }
}
