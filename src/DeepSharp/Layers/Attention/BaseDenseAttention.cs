namespace DeepSharp;

/// <summary>
/// What <see cref="Attention"/> and <see cref="AdditiveAttention"/> share, as Keras' dot-product attention layers:
/// called with a list [query, value] or [query, value, key] of sequences (batch, steps, features), the key being the
/// value when not given; scores of every query step against every key step (the subclass' form), a softmax over the
/// key steps, dropout on those weights in training, and the weighted sum of the value steps:
/// output (batch, query steps, value features).
/// </summary>
public abstract class BaseDenseAttention : MergeLayer
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
    protected override int MaxInputs => 3;

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

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs) => Merge(inputs, training: false);

    /// <inheritdoc/>
    protected override Tensor Merge(ReadOnlySpan<Tensor> inputs, bool training)
    {
        Tensor query = inputs[0], value = inputs[1], key = inputs.Length > 2 ? inputs[2] : value;
        var weights = Ops.Softmax(Scores(query, key), axis: -1);
        if (training && Dropout > 0) weights = Ops.Dropout(weights, (float)Dropout, _random);
        return Ops.MatMul(weights, value);
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
