using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A transposed 2-D convolution layer (sometimes called deconvolution), as Keras' <c>Conv2DTranspose</c>: the
/// gradient of a convolution with respect to its input, used to upsample. Channels-last images; the kernel is
/// laid out (kernelHeight, kernelWidth, filters, inChannels), as Keras. Output size: with no
/// <see cref="OutputPadding"/>, size·stride + max(kernel − stride, 0) for "valid" and size·stride for "same";
/// with it, (size − 1)·stride + kernel − 2·pad + outputPadding (pad = kernel / 2 for "same", 0 for "valid"),
/// kernel meaning the dilated extent.
/// </summary>
public sealed class Conv2DTranspose : Layer
{
    private readonly bool _same;
    private string? _label, _labelName;

    /// <summary>Creates the layer; arguments and defaults as Keras' Conv2DTranspose.</summary>
    /// <param name="filters">Output channels; must be positive.</param>
    /// <param name="kernelSize">Window size: one integer for a square window, or (height, width).</param>
    /// <param name="strides">Upsampling step; 1 by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="outputPadding">Extra rows and columns at the bottom/right, each smaller than its stride; null for the default sizes.</param>
    /// <param name="dilationRate">Spacing between kernel taps; 1 by default.</param>
    /// <param name="activation">Applied to the output; null is linear.</param>
    /// <param name="useBias">Whether to add a bias per filter.</param>
    /// <param name="kernelInitializer">Kernel initializer (default glorot_uniform).</param>
    /// <param name="biasInitializer">Bias initializer (default zeros).</param>
    /// <param name="kernelRegularizer">Penalty on the kernel.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output.</param>
    /// <param name="name">Layer name (default "conv2d_transpose", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public Conv2DTranspose(int filters, Size2D kernelSize, Size2D? strides = null, string padding = "valid", Size2D? outputPadding = null,
        Size2D? dilationRate = null, ActivationFunction? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        string? name = null, TensorShape? inputShape = null)
        : base(name, inputShape)
    {
        if (filters <= 0)
            throw new ArgumentOutOfRangeException(nameof(filters), filters, $"Conv2DTranspose: filters must be a positive integer; got {filters}.");
        Filters = filters;
        KernelSize = kernelSize.RequirePositive("Conv2DTranspose", nameof(kernelSize));
        Strides = (strides ?? 1).RequirePositive("Conv2DTranspose", nameof(strides));
        DilationRate = (dilationRate ?? 1).RequirePositive("Conv2DTranspose", nameof(dilationRate));
        if (outputPadding is { } op && (op.Height < 0 || op.Width < 0 || op.Height >= Strides.Height || op.Width >= Strides.Width))
            throw new ArgumentOutOfRangeException(nameof(outputPadding), op,
                $"Conv2DTranspose: outputPadding {op} must be non-negative and smaller than the strides {Strides}.");
        OutputPadding = outputPadding;
        Padding = ImageLayers.Padding("Conv2DTranspose", padding);
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

    /// <summary>Upsampling step.</summary>
    public Size2D Strides { get; }

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>Extra rows and columns at the bottom/right, or null for Keras' default sizes.</summary>
    public Size2D? OutputPadding { get; }

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

    /// <summary>The kernel (kernelHeight, kernelWidth, filters, inChannels) (after build).</summary>
    public Tensor Kernel { get; private set; } = null!;

    /// <summary>The bias (filters), or null without bias (after build).</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    protected override string DefaultName => "conv2d_transpose";

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        int height = Ops.TransposeOutputLength(inputShape[0], KernelSize.Height, Strides.Height, DilationRate.Height, _same, OutputPadding?.Height);
        int width = Ops.TransposeOutputLength(inputShape[1], KernelSize.Width, Strides.Width, DilationRate.Width, _same, OutputPadding?.Width);
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"Conv2DTranspose '{Name}': input {FormatBatch(inputShape)} gives an empty output ({height}, {width}).");
        // The output must be an image the matching convolution maps back onto the input (TensorFlow refuses it otherwise).
        var (backHeight, _) = Ops.WindowOutput(height, KernelSize.Height, Strides.Height, DilationRate.Height, _same);
        var (backWidth, _) = Ops.WindowOutput(width, KernelSize.Width, Strides.Width, DilationRate.Width, _same);
        if (backHeight != inputShape[0] || backWidth != inputShape[1])
            throw new ArgumentException(
                $"Conv2DTranspose '{Name}': an output of ({height}, {width}) from input {FormatBatch(inputShape)} does not map back onto the input " +
                $"with kernel {KernelSize}, strides {Strides} and padding \"{Padding}\" (outputPadding {OutputPadding?.ToString() ?? "none"}). " +
                "Change outputPadding or the padding.");
        return [height, width, Filters];
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        Kernel = AddWeight("kernel", [KernelSize.Height, KernelSize.Width, Filters, inputShape[2]], KernelInitializer, KernelRegularizer);
        if (UseBias) Bias = AddWeight("bias", [Filters], BiasInitializer, BiasRegularizer);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        var y = Ops.Conv2DTranspose(inputs, Kernel, Bias, Strides, _same, DilationRate, OutputPadding, Label);
        return Activation.IsLinear ? y : Activation.Apply(y);
    }

    private string Label
    {
        get
        {
            if (!ReferenceEquals(_labelName, Name))
            {
                _label = $"Conv2DTranspose '{Name}'";
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
        config["output_padding"] = OutputPadding is { } op ? ImageLayers.ToJson(op) : null;
        config["data_format"] = "channels_last";
        config["dilation_rate"] = ImageLayers.ToJson(DilationRate);
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
