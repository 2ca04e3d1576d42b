using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A 2-D convolution layer, as Keras' <c>Conv2D</c>: <c>activation(conv(inputs, kernel) + bias)</c> over
/// channels-last images (batch, height, width, channels), with the kernel laid out (kernelHeight,
/// kernelWidth, inChannels, filters). A ReLU activation is computed inside the convolution's output pass.
/// </summary>
public sealed class Conv2D : Layer
{
    private readonly bool _same;
    private string? _label, _labelName;

    /// <summary>Creates the layer; arguments and defaults as Keras' Conv2D.</summary>
    /// <param name="filters">Output channels; must be positive.</param>
    /// <param name="kernelSize">Window size: one integer for a square window, or (height, width).</param>
    /// <param name="strides">Step between windows; 1 by default.</param>
    /// <param name="padding">"valid" (no padding) or "same" (output of ceil(size / stride), padded at the bottom/right first when odd).</param>
    /// <param name="dilationRate">Spacing between kernel taps; 1 by default.</param>
    /// <param name="activation">Applied to the output; null is linear.</param>
    /// <param name="useBias">Whether to add a bias per filter.</param>
    /// <param name="kernelInitializer">Kernel initializer (default glorot_uniform).</param>
    /// <param name="biasInitializer">Bias initializer (default zeros).</param>
    /// <param name="kernelRegularizer">Penalty on the kernel, added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output.</param>
    /// <param name="name">Layer name (default "conv2d", "conv2d_1", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public Conv2D(int filters, Size2D kernelSize, Size2D? strides = null, string padding = "valid", Size2D? dilationRate = null,
        ActivationFunction? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        string? name = null, TensorShape? inputShape = null)
        : base(name, inputShape)
    {
        if (filters <= 0)
            throw new ArgumentOutOfRangeException(nameof(filters), filters, $"Conv2D: filters must be a positive integer; got {filters}.");
        Filters = filters;
        KernelSize = kernelSize.RequirePositive("Conv2D", nameof(kernelSize));
        Strides = (strides ?? 1).RequirePositive("Conv2D", nameof(strides));
        DilationRate = (dilationRate ?? 1).RequirePositive("Conv2D", nameof(dilationRate));
        Padding = ImageLayers.Padding("Conv2D", padding);
        _same = Padding == "same";
        Activation = activation ?? Activations.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Window size (height, width).</summary>
    public Size2D KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public Size2D Strides { get; }

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>Spacing between kernel taps.</summary>
    public Size2D DilationRate { get; }

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

    /// <summary>The kernel (kernelHeight, kernelWidth, inChannels, filters) (after build).</summary>
    public Tensor Kernel { get; private set; } = null!;

    /// <summary>The bias (filters), or null without bias (after build).</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    protected override string DefaultName => "conv2d";

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        var (height, _) = Ops.WindowOutput(inputShape[0], KernelSize.Height, Strides.Height, DilationRate.Height, _same);
        var (width, _) = Ops.WindowOutput(inputShape[1], KernelSize.Width, Strides.Width, DilationRate.Width, _same);
        if (height <= 0 || width <= 0)
            throw new ArgumentException(
                $"Conv2D '{Name}': the kernel {KernelSize} (dilation {DilationRate}) is larger than the input {FormatBatch(inputShape)} " +
                "with \"valid\" padding. Use padding: \"same\", a smaller kernel, or a larger input.");
        return [height, width, Filters];
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        Kernel = AddWeight("kernel", [KernelSize.Height, KernelSize.Width, inputShape[2], Filters], KernelInitializer, KernelRegularizer);
        if (UseBias) Bias = AddWeight("bias", [Filters], BiasInitializer, BiasRegularizer);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        bool fuseRelu = ReferenceEquals(Activation, Activations.Relu);
        var y = Ops.Conv2D(inputs, Kernel, Bias, Strides, _same, DilationRate, fuseRelu, Label);
        return fuseRelu || Activation.IsLinear ? y : Activation.Apply(y);
    }

    /// <summary>"Conv2D 'name'" for messages, made once per name (a training step allocates nothing).</summary>
    private string Label
    {
        get
        {
            if (!ReferenceEquals(_labelName, Name))
            {
                _label = $"Conv2D '{Name}'";
                _labelName = Name;
            }
            return _label!;
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = ImageLayers.ToJson(KernelSize);
        config["strides"] = ImageLayers.ToJson(Strides);
        config["padding"] = Padding;
        config["data_format"] = "channels_last";
        config["dilation_rate"] = ImageLayers.ToJson(DilationRate);
        config["groups"] = 1;
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
