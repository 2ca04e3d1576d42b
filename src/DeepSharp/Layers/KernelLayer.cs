using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// What Dense and the convolutions share: <c>activation(op(inputs, kernel) + bias)</c> with the kernel and
/// the optional bias, their initializers and regularizers, and the activation. Ops decide how much of the
/// bias and the activation they fold into the op's output pass.
/// </summary>
public abstract class KernelLayer : Layer
{
    /// <summary>Keras' default: a bias is added.</summary>
    private protected const bool UseBiasByDefault = true;

    private protected KernelLayer(ActivationFunction? activation, bool useBias, Initializer? kernelInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Regularizer? activityRegularizer, string? name, PartialShape? inputShape)
        : base(name, inputShape)
    {
        Activation = activation ?? Activations.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
    }

    /// <summary>The activation applied to the output.</summary>
    public ActivationFunction Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>The kernel initializer (glorot_uniform by default).</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>The bias initializer (zeros by default).</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>The kernel penalty, if any.</summary>
    public Regularizer? KernelRegularizer { get; }

    /// <summary>The bias penalty, if any.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>The kernel (after build): [inputFeatures, units] for Dense; (kernelHeight, kernelWidth, in, out) for a convolution.</summary>
    public Tensor Kernel { get; private set; } = null!;

    /// <summary>The bias, one value per output feature or filter, or null without bias (after build).</summary>
    public Tensor? Bias { get; private set; }

    /// <summary>Creates the kernel of <paramref name="kernelShape"/> and, when the layer has one, the bias of <paramref name="outputs"/> values.</summary>
    private protected void BuildKernel(TensorShape kernelShape, int outputs)
    {
        Kernel = AddWeight("kernel", kernelShape, KernelInitializer, KernelRegularizer);
        if (UseBias) Bias = AddWeight("bias", [outputs], BiasInitializer, BiasRegularizer);
    }

    /// <summary>
    /// Adds the activation, bias, initializers and regularizers to a layer's configuration, after its own arguments. The
    /// kernel's are saved under <paramref name="kernelName"/>: "kernel_initializer", or "depthwise_initializer" for
    /// DepthwiseConv2D, as Keras names them.
    /// </summary>
    private protected JsonObject WithKernelConfig(JsonObject config, string kernelName = "kernel")
    {
        config["activation"] = LayerConfigWriter.Activation(Activation);
        config["use_bias"] = UseBias;
        config[kernelName + "_initializer"] = LayerConfigWriter.Initializer(KernelInitializer);
        config["bias_initializer"] = LayerConfigWriter.Initializer(BiasInitializer);
        config[kernelName + "_regularizer"] = LayerConfigWriter.Regularizer(KernelRegularizer);
        config["bias_regularizer"] = LayerConfigWriter.Regularizer(BiasRegularizer);
        config["activity_regularizer"] = LayerConfigWriter.Regularizer(ActivityRegularizer);
        return config;
    }

    /// <summary>The arguments <see cref="WithKernelConfig"/> saved, read back (absent ones null: the constructor's defaults).</summary>
    private protected readonly record struct KernelArguments(ActivationFunction? Activation, bool UseBias,
        Initializer? KernelInitializer, Initializer? BiasInitializer,
        Regularizer? KernelRegularizer, Regularizer? BiasRegularizer, Regularizer? ActivityRegularizer)
    {
        internal static KernelArguments Read(ConfigReader r, string kernelName = "kernel") => new(r.Activation(), r.Optional("use_bias", UseBiasByDefault),
            r.Initializer(kernelName + "_initializer"), r.Initializer("bias_initializer"),
            r.Regularizer(kernelName + "_regularizer"), r.Regularizer("bias_regularizer"), r.Regularizer("activity_regularizer"));
    }
}
