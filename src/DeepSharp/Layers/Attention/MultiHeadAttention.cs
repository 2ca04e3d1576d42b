using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Multi-head attention, as Keras' <c>MultiHeadAttention</c> over the sequence axis: <c>layer.Call([query, value])</c>
/// or <c>[query, value, key]</c> on sequences (batch, steps, features), the key being the value when not given
/// (self-attention: <c>[x, x]</c>). Each of <see cref="NumHeads"/> heads projects query and key to
/// <see cref="KeyDim"/> features and value to <see cref="ValueDim"/>, weighs the value steps by
/// softmax(q·kᵀ / √keyDim) over the key steps (dropout on those weights in training), and the heads' results are
/// projected together to <see cref="OutputShape"/> features (the query's by default). Kernels in Keras' layouts:
/// query/key/value (features, heads, head features), output (heads, head features, output features).
/// <para>
/// Keras' call arguments: <c>attentionMask</c> (batch, query steps, key steps), nonzero where a query step may attend to
/// a key step, and <c>useCausalMask</c> (no step attends to a later one) combine; a query step left with nothing to
/// attend to gets zero weights (Keras would spread them evenly). <see cref="CallWithScores(IReadOnlyList{Tensor}, Tensor?, bool, bool)"/>
/// also returns the weights (batch, heads, query steps, key steps) before dropout, as Keras' return_attention_scores.
/// </para>
/// </summary>
public sealed class MultiHeadAttention : AttentionLayer
{
    private readonly RandomGenerator _random;
    private int _outputDim;

    /// <summary>Creates the layer; arguments and defaults as Keras' MultiHeadAttention.</summary>
    /// <param name="numHeads">The number of attention heads; positive.</param>
    /// <param name="keyDim">Features per head of query and key; positive.</param>
    /// <param name="valueDim">Features per head of value (default <paramref name="keyDim"/>).</param>
    /// <param name="dropout">Fraction of the attention weights dropped in training, in [0, 1).</param>
    /// <param name="useBias">Whether the four projections add biases.</param>
    /// <param name="outputShape">Output features (default: the query's features).</param>
    /// <param name="attentionAxes">The axes attended over; only the sequence axis (null or [1]) is supported.</param>
    /// <param name="kernelInitializer">Initializer of the four kernels (default Glorot uniform).</param>
    /// <param name="biasInitializer">Initializer of the biases (default zeros).</param>
    /// <param name="kernelRegularizer">Penalty on the kernels.</param>
    /// <param name="biasRegularizer">Penalty on the biases.</param>
    /// <param name="seed">Seed for the dropout masks; by default drawn from the global generator.</param>
    /// <param name="name">Layer name (default "multi_head_attention", ...).</param>
    public MultiHeadAttention(int numHeads, int keyDim, int? valueDim = null, double dropout = 0, bool useBias = true,
        int? outputShape = null, int[]? attentionAxes = null,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, long? seed = null, string? name = null)
        : base(name)
    {
        if (numHeads <= 0)
            throw new ArgumentOutOfRangeException(nameof(numHeads), numHeads, $"MultiHeadAttention: numHeads must be positive; got {numHeads}.");
        if (keyDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(keyDim), keyDim, $"MultiHeadAttention: keyDim must be positive; got {keyDim}.");
        if (valueDim is <= 0)
            throw new ArgumentOutOfRangeException(nameof(valueDim), valueDim, $"MultiHeadAttention: valueDim must be positive; got {valueDim}.");
        if (outputShape is <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputShape), outputShape, $"MultiHeadAttention: outputShape must be positive; got {outputShape}.");
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"MultiHeadAttention: dropout must be in [0, 1); got {dropout}.");
        if (attentionAxes is not null && !(attentionAxes is [1] or [-2]))
            throw new ArgumentException(
                $"MultiHeadAttention: attentionAxes [{string.Join(", ", attentionAxes)}] is not supported; DeepSharp attends over the sequence axis of (batch, steps, features) inputs only (null or [1]).",
                nameof(attentionAxes));
        NumHeads = numHeads;
        KeyDim = keyDim;
        ValueDim = valueDim ?? keyDim;
        Dropout = dropout;
        UseBias = useBias;
        OutputShape = outputShape;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        Seed = seed;
        _random = seed is { } s ? new RandomGenerator(s) : RandomGenerator.Default.Fork();
    }

    /// <summary>The number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Features per head of query and key.</summary>
    public int KeyDim { get; }

    /// <summary>Features per head of value.</summary>
    public int ValueDim { get; }

    /// <summary>The fraction of attention weights dropped in training.</summary>
    public double Dropout { get; }

    /// <summary>Whether the projections add biases.</summary>
    public bool UseBias { get; }

    /// <summary>Output features as given (null: the query's features).</summary>
    public int? OutputShape { get; }

    /// <summary>Initializer of the kernels.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>Initializer of the biases.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>Penalty on the kernels, if any.</summary>
    public Regularizer? KernelRegularizer { get; }

    /// <summary>Penalty on the biases, if any.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>The seed of the dropout masks, if given.</summary>
    public long? Seed { get; }

    /// <summary>Query projection (query features, heads, keyDim) (after build).</summary>
    public Tensor QueryKernel { get; private set; } = null!;

    /// <summary>Key projection (key features, heads, keyDim) (after build).</summary>
    public Tensor KeyKernel { get; private set; } = null!;

    /// <summary>Value projection (value features, heads, valueDim) (after build).</summary>
    public Tensor ValueKernel { get; private set; } = null!;

    /// <summary>Output projection (heads, valueDim, output features) (after build).</summary>
    public Tensor OutputKernel { get; private set; } = null!;

    /// <summary>Biases (heads, keyDim), (heads, keyDim), (heads, valueDim) and (output features), or null without <see cref="UseBias"/>.</summary>
    public Tensor? QueryBias { get; private set; }

    /// <inheritdoc cref="QueryBias"/>
    public Tensor? KeyBias { get; private set; }

    /// <inheritdoc cref="QueryBias"/>
    public Tensor? ValueBias { get; private set; }

    /// <inheritdoc cref="QueryBias"/>
    public Tensor? OutputBias { get; private set; }

    /// <inheritdoc/>
    protected override string DefaultName => "multi_head_attention";

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(IReadOnlyList<TensorShape> inputShapes)
    {
        var (query, value, key) = AttentionInputs.Check(inputShapes, Label, DescribeShapes);
        if (IsBuilt && (QueryKernel.Shape[0] != query[1] || KeyKernel.Shape[0] != key[1] || ValueKernel.Shape[0] != value[1]))
            throw new ArgumentException(
                $"{Label} was built for query, key and value of {QueryKernel.Shape[0]}, {KeyKernel.Shape[0]} and {ValueKernel.Shape[0]} features; got {DescribeShapes(inputShapes)}.");
        return new TensorShape(query[0], OutputShape ?? query[1]);
    }

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<TensorShape> inputShapes)
    {
        TensorShape query = inputShapes[0], value = inputShapes[1], key = inputShapes.Count > 2 ? inputShapes[2] : value;
        _outputDim = OutputShape ?? query[1];
        QueryKernel = AddWeight("query/kernel", [query[1], NumHeads, KeyDim], KernelInitializer, KernelRegularizer);
        KeyKernel = AddWeight("key/kernel", [key[1], NumHeads, KeyDim], KernelInitializer, KernelRegularizer);
        ValueKernel = AddWeight("value/kernel", [value[1], NumHeads, ValueDim], KernelInitializer, KernelRegularizer);
        OutputKernel = AddWeight("attention_output/kernel", [NumHeads, ValueDim, _outputDim], KernelInitializer, KernelRegularizer);
        if (!UseBias) return;
        QueryBias = AddWeight("query/bias", [NumHeads, KeyDim], BiasInitializer, BiasRegularizer);
        KeyBias = AddWeight("key/bias", [NumHeads, KeyDim], BiasInitializer, BiasRegularizer);
        ValueBias = AddWeight("value/bias", [NumHeads, ValueDim], BiasInitializer, BiasRegularizer);
        OutputBias = AddWeight("attention_output/bias", [_outputDim], BiasInitializer, BiasRegularizer);
    }

    /// <summary>Attends with Keras' call arguments; see the class remarks.</summary>
    /// <param name="inputs">[query, value] or [query, value, key].</param>
    /// <param name="attentionMask">(batch, query steps, key steps), nonzero where attention may go; null for none.</param>
    /// <param name="useCausalMask">Mask every key step after the query step.</param>
    /// <param name="training">Apply dropout to the weights.</param>
    public Tensor Call(IReadOnlyList<Tensor> inputs, Tensor? attentionMask = null, bool useCausalMask = false, bool training = false) =>
        CallEagerOutput(inputs, [attentionMask], useCausalMask, training);

    /// <summary>As <see cref="Call(IReadOnlyList{Tensor}, Tensor?, bool, bool)"/>, also returning the attention weights (batch, heads, Tq, Tk).</summary>
    /// <param name="inputs">[query, value] or [query, value, key].</param>
    /// <param name="attentionMask">(batch, query steps, key steps), nonzero where attention may go; null for none.</param>
    /// <param name="useCausalMask">Mask every key step after the query step.</param>
    /// <param name="training">Apply dropout to the weights (the returned weights are those before dropout).</param>
    public (Tensor Output, Tensor Scores) CallWithScores(IReadOnlyList<Tensor> inputs, Tensor? attentionMask = null, bool useCausalMask = false, bool training = false) =>
        CallEager(inputs, [attentionMask], useCausalMask, training);

    /// <summary>Records a call with Keras' call arguments in a functional model; the mask is a symbolic tensor (query steps, key steps).</summary>
    /// <param name="inputs">[query, value] or [query, value, key].</param>
    /// <param name="attentionMask">Per sample (query steps, key steps), nonzero where attention may go; null for none.</param>
    /// <param name="useCausalMask">Mask every key step after the query step.</param>
    public SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, SymbolicTensor? attentionMask = null, bool useCausalMask = false) =>
        CallSymbolic(inputs, [attentionMask], useCausalMask, scores: false)[0];

    /// <summary>As <see cref="Call(IReadOnlyList{SymbolicTensor}, SymbolicTensor?, bool)"/>, also returning the weights (heads, Tq, Tk) as a second output.</summary>
    /// <param name="inputs">[query, value] or [query, value, key].</param>
    /// <param name="attentionMask">Per sample (query steps, key steps), nonzero where attention may go; null for none.</param>
    /// <param name="useCausalMask">Mask every key step after the query step.</param>
    public (SymbolicTensor Output, SymbolicTensor Scores) CallWithScores(IReadOnlyList<SymbolicTensor> inputs, SymbolicTensor? attentionMask = null, bool useCausalMask = false)
    {
        var outputs = CallSymbolic(inputs, [attentionMask], useCausalMask, scores: true);
        return (outputs[0], outputs[1]);
    }

    private protected override string[] MaskNames { get; } = ["attention_mask"];

    private protected override TensorShape MaskShape(int index, IReadOnlyList<TensorShape> inputShapes) =>
        new(inputShapes[0][0], inputShapes[1][0]);

    private protected override TensorShape ScoresShape(IReadOnlyList<TensorShape> inputShapes) =>
        new(NumHeads, inputShapes[0][0], inputShapes[1][0]);

    private protected override Tensor Attend(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor?> masks, bool causal, bool training, bool returnScores, out Tensor? weights)
    {
        Tensor query = inputs[0], value = inputs[1], key = inputs.Length > 2 ? inputs[2] : inputs[1];
        if (!returnScores && !(training && Dropout > 0) && ReferenceEquals(query, value) && ReferenceEquals(key, value) && KeyDim == ValueDim && SelfAttentionFused)
        {
            weights = null;
            return SelfAttend(query, masks[0], causal);
        }
        var output = Attend(query, value, key, masks[0], causal, training, out var computed);
        weights = computed;
        return output;
    }

    /// <summary>
    /// Whether self-attention (query, key and value the same tensor) whose weights are not wanted runs its three
    /// projections as one product and its weights and context as one op; false runs the general path, for A/B
    /// comparisons. Starts false when the environment variable <c>DEEPSHARP_SELF_ATTENTION</c> is <c>separate</c>.
    /// </summary>
    internal static bool SelfAttentionFused { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_SELF_ATTENTION"), "separate", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Self-attention of x: the query, key and value kernels side by side as one (features, 3·heads·keyDim) kernel for
    /// one product (the layer's weights stay as Keras has them: the concatenation is an op of the step, its gradient
    /// split back), then <see cref="Ops.SelfAttention"/> on the packed projections and the output projection. The same
    /// values as the general path.
    /// </summary>
    private Tensor SelfAttend(Tensor x, Tensor? mask, bool causal)
    {
        int features = x.Shape[2], width = NumHeads * KeyDim;
        var kernel = Ops.Concat([Ops.Reshape(QueryKernel, features, width), Ops.Reshape(KeyKernel, features, width), Ops.Reshape(ValueKernel, features, width)], axis: 1);
        var bias = QueryBias is null ? null : Ops.Concat([Ops.Reshape(QueryBias, width), Ops.Reshape(KeyBias!, width), Ops.Reshape(ValueBias!, width)], axis: 0);
        var context = Ops.SelfAttention(Ops.Dense(x, kernel, bias), NumHeads, KeyDim, 1f / MathF.Sqrt(KeyDim), mask, causal);
        var merged = Ops.Reshape(context, x.Shape[0], x.Shape[1], NumHeads * ValueDim);
        return Ops.Dense(merged, Ops.Reshape(OutputKernel, NumHeads * ValueDim, _outputDim), OutputBias);
    }

    /// <summary>
    /// The attention itself: projections per head in the (batch, steps, heads, features) layout, the weights
    /// softmax(q·kᵀ/√keyDim) as batched GEMMs with the mask fused into the softmax (Keras scales the query; the same
    /// product), dropout on the weights in training, their weighted sum of the values and the output projection.
    /// </summary>
    private Tensor Attend(Tensor query, Tensor value, Tensor key, Tensor? mask, bool causal, bool training, out Tensor weights)
    {
        var q = Heads(query, QueryKernel, QueryBias, KeyDim);
        var k = Heads(key, KeyKernel, KeyBias, KeyDim);
        var v = Heads(value, ValueKernel, ValueBias, ValueDim);
        weights = Ops.AttentionWeights(q, k, 1f / MathF.Sqrt(KeyDim), mask, causal);           // (batch, heads, Tq, Tv)
        var dropped = training && Dropout > 0 ? Ops.Dropout(weights, (float)Dropout, _random) : weights;
        var context = Ops.AttentionContext(dropped, v);                                          // (batch, Tq, heads, valueDim)
        var merged = Ops.Reshape(context, query.Shape[0], query.Shape[1], NumHeads * ValueDim);
        return Ops.Dense(merged, Ops.Reshape(OutputKernel, NumHeads * ValueDim, _outputDim), OutputBias);
    }

    /// <summary>(batch, steps, features) projected per head: (batch, steps, heads, <paramref name="dim"/>), as the kernels read it.</summary>
    private Tensor Heads(Tensor x, Tensor kernel, Tensor? bias, int dim)
    {
        var projected = Ops.Dense(x, Ops.Reshape(kernel, kernel.Shape[0], NumHeads * dim), bias is null ? null : Ops.Reshape(bias, NumHeads * dim));
        return Ops.Reshape(projected, x.Shape[0], x.Shape[1], NumHeads, dim);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["num_heads"] = NumHeads;
        config["key_dim"] = KeyDim;
        config["value_dim"] = ValueDim;
        config["dropout"] = Dropout;
        config["use_bias"] = UseBias;
        config["output_shape"] = OutputShape;
        config["attention_axes"] = null;
        config["kernel_initializer"] = LayerConfigWriter.Initializer(KernelInitializer);
        config["bias_initializer"] = LayerConfigWriter.Initializer(BiasInitializer);
        config["kernel_regularizer"] = LayerConfigWriter.Regularizer(KernelRegularizer);
        config["bias_regularizer"] = LayerConfigWriter.Regularizer(BiasRegularizer);
        config["seed"] = Seed;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static MultiHeadAttention FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(MultiHeadAttention));
        // Keras writes output_shape as a number or a one-element list, attention_axes as null, a number or a list.
        int? outputShape = !r.TryGet("output_shape", out var shapeNode) || shapeNode is null ? null
            : shapeNode is JsonArray ? r.IntArray("output_shape", shapeNode) switch
            {
                [var single] => single,
                _ => throw r.Invalid("output_shape", shapeNode, "one number of output features"),
            }
            : r.Value<int>("output_shape", shapeNode);
        int[]? axes = !r.TryGet("attention_axes", out var axesNode) || axesNode is null ? null
            : axesNode is JsonArray ? r.IntArray("attention_axes", axesNode)
            : [r.Value<int>("attention_axes", axesNode)];
        return r.Finish(new MultiHeadAttention(r.Required<int>("num_heads"), r.Required<int>("key_dim"), r.Nullable<int>("value_dim"),
            r.Optional("dropout", 0.0), r.Optional("use_bias", true), outputShape, axes,
            r.Initializer("kernel_initializer"), r.Initializer("bias_initializer"),
            r.Regularizer("kernel_regularizer"), r.Regularizer("bias_regularizer"), r.Nullable<long>("seed"), r.Name));
    }
}
