using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Token ids to dense vectors, as Keras' <c>Embedding</c>: inputs [batch, timesteps] of whole numbers in
/// [0, inputDim) become [batch, timesteps, outputDim] rows of the <c>embeddings</c> matrix [inputDim, outputDim].
/// With <see cref="MaskZero"/>, id 0 is padding: the recurrent layers that follow skip it.
/// </summary>
public sealed class Embedding : Layer, IMaskingLayer
{
    private const bool MaskZeroByDefault = false;

    /// <summary>Creates the layer; arguments and defaults as Keras' Embedding.</summary>
    /// <param name="inputDim">Vocabulary size (largest id + 1).</param>
    /// <param name="outputDim">Size of each vector.</param>
    /// <param name="embeddingsInitializer">Initializer (uniform in [-0.05, 0.05]).</param>
    /// <param name="embeddingsRegularizer">Penalty on the embeddings.</param>
    /// <param name="maskZero">Treat id 0 as padding and mask it.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape [timesteps] when this is a model's first layer.</param>
    public Embedding(int inputDim, int outputDim, Initializer? embeddingsInitializer = null, Regularizer? embeddingsRegularizer = null,
        bool maskZero = MaskZeroByDefault, string? name = null, PartialShape? inputShape = null)
        : base(name, inputShape)
    {
        if (inputDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, $"Embedding: inputDim must be a positive integer; got {inputDim}.");
        if (outputDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, $"Embedding: outputDim must be a positive integer; got {outputDim}.");
        InputDim = inputDim;
        OutputDim = outputDim;
        EmbeddingsInitializer = embeddingsInitializer ?? new RandomUniform();
        EmbeddingsRegularizer = embeddingsRegularizer;
        MaskZero = maskZero;
    }

    /// <summary>Vocabulary size.</summary>
    public int InputDim { get; }

    /// <summary>Size of each vector.</summary>
    public int OutputDim { get; }

    /// <summary>The initializer of the embeddings.</summary>
    public Initializer EmbeddingsInitializer { get; }

    /// <summary>The penalty on the embeddings, if any.</summary>
    public Regularizer? EmbeddingsRegularizer { get; }

    /// <summary>Whether id 0 is padding.</summary>
    public bool MaskZero { get; }

    /// <summary>The matrix [inputDim, outputDim] (after build).</summary>
    public Tensor Embeddings { get; private set; } = null!;

    /// <inheritdoc/>
    /// <remarks>Ids of any number: each becomes a vector.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => true;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        Span<int> dims = stackalloc int[inputShape.Rank + 1];
        inputShape.Dims.CopyTo(dims);
        dims[^1] = OutputDim;
        return new TensorShape(dims);
    }

    /// <inheritdoc/>
    protected override bool IsCompatibleInput(TensorShape built, TensorShape received) => received.Rank == built.Rank;

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape) =>
        Embeddings = AddWeight("embeddings", [InputDim, OutputDim], EmbeddingsInitializer, EmbeddingsRegularizer);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Ops.Embedding(Embeddings, inputs, Label, nameof(inputs));

    Tensor IMaskingLayer.CallMasked(Tensor inputs, ref Tensor? mask, bool training)
    {
        var output = Call(inputs, training);
        if (MaskZero)
            using (Autograd.NoGrad())
                mask = Ops.NotEqual(inputs, 0f);
        else mask = null;
        return output;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["input_dim"] = InputDim;
        config["output_dim"] = OutputDim;
        config["embeddings_initializer"] = LayerConfigWriter.Initializer(EmbeddingsInitializer);
        config["embeddings_regularizer"] = LayerConfigWriter.Regularizer(EmbeddingsRegularizer);
        config["mask_zero"] = MaskZero;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Embedding FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Embedding));
        return r.Finish(new Embedding(r.Required<int>("input_dim"), r.Required<int>("output_dim"), r.Initializer("embeddings_initializer"),
            r.Regularizer("embeddings_regularizer"), r.Optional("mask_zero", MaskZeroByDefault), r.Name, r.InputShape));
    }
}
