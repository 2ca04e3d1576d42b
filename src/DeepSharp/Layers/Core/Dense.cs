using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A fully connected layer, as Keras' <c>Dense</c>: <c>activation(inputs · kernel + bias)</c> with the kernel
/// laid out [inputFeatures, units]. Applies to the last axis, so a (batch, steps, features) input gives
/// (batch, steps, units).
/// </summary>
public sealed class Dense : KernelLayer
{
    /// <summary>Creates the layer; arguments and defaults as Keras' Dense.</summary>
    /// <param name="units">Output features; must be positive.</param>
    /// <param name="activation">Applied to the output; null is linear.</param>
    /// <param name="useBias">Whether to add a bias vector.</param>
    /// <param name="kernelInitializer">Kernel initializer (default glorot_uniform).</param>
    /// <param name="biasInitializer">Bias initializer (default zeros).</param>
    /// <param name="kernelRegularizer">Penalty on the kernel, added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output.</param>
    /// <param name="name">Layer name (default "dense", "dense_1", ...).</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public Dense(int units, ActivationFunction? activation = null, bool useBias = UseBiasByDefault,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        string? name = null, PartialShape? inputShape = null)
        : base(activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, name, inputShape)
    {
        if (units <= 0)
            throw new ArgumentOutOfRangeException(nameof(units), units, $"Dense: units must be a positive integer; got {units}.");
        Units = units;
    }

    /// <summary>Output features.</summary>
    public int Units { get; }

    /// <inheritdoc/>
    /// <remarks>Every axis but the features, which the kernel is made for.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis != rank - 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank < 1)
            throw new ArgumentException($"Layer '{Name}' (Dense) needs inputs of at least rank 2 (batch, features); got {FormatBatch(inputShape)}.");
        return inputShape.With(-1, Units);
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape) => BuildKernel([inputShape[-1], Units], Units);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Ops.Dense(inputs, Kernel, Bias, Activation);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        return WithKernelConfig(config);
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Dense FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Dense));
        var k = KernelArguments.Read(r);
        return r.Finish(new Dense(r.Required<int>("units"), k.Activation, k.UseBias, k.KernelInitializer, k.BiasInitializer,
            k.KernelRegularizer, k.BiasRegularizer, k.ActivityRegularizer, r.Name, r.InputShape));
    }
}
