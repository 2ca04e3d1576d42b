using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A fully connected layer, as Keras' <c>Dense</c>: <c>activation(inputs · kernel + bias)</c> with the kernel
/// laid out [inputFeatures, units]. Applies to the last axis, so a (batch, steps, features) input gives
/// (batch, steps, units).
/// </summary>
public sealed class Dense : Layer
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
    public Dense(int units, ActivationFunction? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        string? name = null, TensorShape? inputShape = null)
        : base(name, inputShape)
    {
        if (units <= 0)
            throw new ArgumentOutOfRangeException(nameof(units), units, $"Dense: units must be a positive integer; got {units}.");
        Units = units;
        Activation = activation ?? Activations.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
    }

    /// <summary>Output features.</summary>
    public int Units { get; }

    /// <summary>The activation applied to the output.</summary>
    public ActivationFunction Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>The kernel initializer.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>The bias initializer.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>The kernel penalty, if any.</summary>
    public Regularizer? KernelRegularizer { get; }

    /// <summary>The bias penalty, if any.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>The weight matrix [inputFeatures, units] (after build).</summary>
    public Tensor Kernel { get; private set; } = null!;

    /// <summary>The bias [units], or null without bias (after build).</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank < 1)
            throw new ArgumentException($"Layer '{Name}' (Dense) needs inputs of at least rank 2 (batch, features); got {FormatBatch(inputShape)}.");
        return inputShape.With(-1, Units);
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        Kernel = AddWeight("kernel", [inputShape[-1], Units], KernelInitializer, KernelRegularizer);
        if (UseBias) Bias = AddWeight("bias", [Units], BiasInitializer, BiasRegularizer);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        var y = inputs.MatMul(Kernel);
        // The bias and a relu in one pass (one tensor and two passes over the batch fewer, forward and backward).
        if (Bias is not null && ReferenceEquals(Activation, Activations.Relu)) return Ops.BiasRelu(y, Bias);
        if (Bias is not null) y = y + Bias;
        return Activation.IsLinear ? y : Activation.Apply(y);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = LayerConfig.Activation(Activation);
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = LayerConfig.Initializer(KernelInitializer);
        config["bias_initializer"] = LayerConfig.Initializer(BiasInitializer);
        config["kernel_regularizer"] = LayerConfig.Regularizer(KernelRegularizer);
        config["bias_regularizer"] = LayerConfig.Regularizer(BiasRegularizer);
        config["activity_regularizer"] = LayerConfig.Regularizer(ActivityRegularizer);
        return config;
    }
}
