using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A depthwise separable 2-D convolution layer, as Keras' <c>SeparableConv2D</c>: a depthwise convolution (each input
/// channel with its own <see cref="DepthMultiplier"/> filters, <see cref="DepthwiseKernel"/> laid out (kernelHeight,
/// kernelWidth, channels, depthMultiplier)), then a 1×1 convolution mixing the channels (<see cref="PointwiseKernel"/>
/// (1, 1, channels·depthMultiplier, filters)), then the bias and the activation. Far fewer weights and multiplies than
/// a Conv2D of the same window (Xception, MobileNet).
/// </summary>
public sealed class SeparableConv2D : Layer
{
    private const int DepthMultiplierByDefault = 1;
    private const bool UseBiasByDefault = true;
    private readonly ConvolutionWindow _window;

    /// <summary>Creates the layer; arguments and defaults as Keras' SeparableConv2D.</summary>
    /// <param name="filters">Output channels; must be positive.</param>
    /// <param name="kernelSize">Depthwise window size: one integer for a square window, or (height, width).</param>
    /// <param name="strides">Step between depthwise windows; 1 by default.</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="dilationRate">Spacing between depthwise kernel taps; 1 by default.</param>
    /// <param name="depthMultiplier">Depthwise output channels per input channel; 1 by default.</param>
    /// <param name="activation">Applied to the output; null is linear.</param>
    /// <param name="useBias">Whether to add a bias per filter.</param>
    /// <param name="depthwiseInitializer">Depthwise kernel initializer (default glorot_uniform).</param>
    /// <param name="pointwiseInitializer">Pointwise kernel initializer (default glorot_uniform).</param>
    /// <param name="biasInitializer">Bias initializer (default zeros).</param>
    /// <param name="depthwiseRegularizer">Penalty on the depthwise kernel.</param>
    /// <param name="pointwiseRegularizer">Penalty on the pointwise kernel.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output.</param>
    /// <param name="name">Layer name (default "separable_conv2d", ...).</param>
    /// <param name="inputShape">Per-sample input shape (height, width, channels) when this is a model's first layer.</param>
    public SeparableConv2D(int filters, Size2D kernelSize, Size2D? strides = null, string padding = ImageLayers.ValidPadding,
        Size2D? dilationRate = null, int depthMultiplier = DepthMultiplierByDefault, ActivationFunction? activation = null,
        bool useBias = UseBiasByDefault, Initializer? depthwiseInitializer = null, Initializer? pointwiseInitializer = null,
        Initializer? biasInitializer = null, Regularizer? depthwiseRegularizer = null, Regularizer? pointwiseRegularizer = null,
        Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null, string? name = null, PartialShape? inputShape = null)
        : base(name, inputShape)
    {
        if (filters <= 0)
            throw new ArgumentOutOfRangeException(nameof(filters), filters, $"SeparableConv2D: filters must be a positive integer; got {filters}.");
        if (depthMultiplier <= 0)
            throw new ArgumentOutOfRangeException(nameof(depthMultiplier), depthMultiplier,
                $"SeparableConv2D: depthMultiplier must be a positive integer; got {depthMultiplier}.");
        Filters = filters;
        DepthMultiplier = depthMultiplier;
        _window = ConvolutionWindow.Create(nameof(SeparableConv2D), 2, kernelSize, strides ?? 1, padding, dilationRate ?? 1);
        Activation = activation ?? Activations.Linear;
        UseBias = useBias;
        DepthwiseInitializer = depthwiseInitializer ?? new GlorotUniform();
        PointwiseInitializer = pointwiseInitializer ?? new GlorotUniform();
        BiasInitializer = biasInitializer ?? new Zeros();
        DepthwiseRegularizer = depthwiseRegularizer;
        PointwiseRegularizer = pointwiseRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Depthwise output channels per input channel.</summary>
    public int DepthMultiplier { get; }

    /// <summary>Depthwise window size (height, width).</summary>
    public Size2D KernelSize => _window.KernelSize;

    /// <summary>Step between depthwise windows.</summary>
    public Size2D Strides => _window.Strides;

    /// <summary>"valid" or "same".</summary>
    public string Padding => _window.PaddingName;

    /// <summary>Spacing between depthwise kernel taps.</summary>
    public Size2D DilationRate => _window.DilationRate;

    /// <summary>The activation applied to the output.</summary>
    public ActivationFunction Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>The depthwise kernel initializer.</summary>
    public Initializer DepthwiseInitializer { get; }

    /// <summary>The pointwise kernel initializer.</summary>
    public Initializer PointwiseInitializer { get; }

    /// <summary>The bias initializer.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>The depthwise kernel penalty, if any.</summary>
    public Regularizer? DepthwiseRegularizer { get; }

    /// <summary>The pointwise kernel penalty, if any.</summary>
    public Regularizer? PointwiseRegularizer { get; }

    /// <summary>The bias penalty, if any.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>The depthwise kernel (kernelHeight, kernelWidth, channels, depthMultiplier), after build.</summary>
    public Tensor DepthwiseKernel { get; private set; } = null!;

    /// <summary>The pointwise kernel (1, 1, channels·depthMultiplier, filters), after build.</summary>
    public Tensor PointwiseKernel { get; private set; } = null!;

    /// <summary>The bias (filters), or null without bias (after build).</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    protected override string DefaultName => "separable_conv2d";

    /// <inheritdoc/>
    /// <remarks>The height and width may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis < rank - 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireImage(this, inputShape);
        var (height, width) = _window.Output(inputShape);
        if (height <= 0 || width <= 0)
            throw new ArgumentException(
                $"SeparableConv2D '{Name}': the kernel {KernelSize} (dilation {DilationRate}) is larger than the input {FormatBatch(inputShape)} " +
                "with \"valid\" padding. Use padding: \"same\", a smaller kernel, or a larger input.");
        return [height, width, Filters];
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int channels = inputShape[2];
        DepthwiseKernel = AddWeight("depthwise_kernel", [KernelSize.Height, KernelSize.Width, channels, DepthMultiplier], DepthwiseInitializer, DepthwiseRegularizer);
        PointwiseKernel = AddWeight("pointwise_kernel", [1, 1, channels * DepthMultiplier, Filters], PointwiseInitializer, PointwiseRegularizer);
        if (UseBias) Bias = AddWeight("bias", [Filters], BiasInitializer, BiasRegularizer);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        Ops.SeparableConv2D(inputs, DepthwiseKernel, PointwiseKernel, Bias, Strides, _window.Same, DilationRate, Activation, Label);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["depth_multiplier"] = DepthMultiplier;
        config["filters"] = Filters;
        _window.Write(config);
        config["activation"] = LayerConfigWriter.Activation(Activation);
        config["use_bias"] = UseBias;
        config["depthwise_initializer"] = LayerConfigWriter.Initializer(DepthwiseInitializer);
        config["pointwise_initializer"] = LayerConfigWriter.Initializer(PointwiseInitializer);
        config["bias_initializer"] = LayerConfigWriter.Initializer(BiasInitializer);
        config["depthwise_regularizer"] = LayerConfigWriter.Regularizer(DepthwiseRegularizer);
        config["pointwise_regularizer"] = LayerConfigWriter.Regularizer(PointwiseRegularizer);
        config["bias_regularizer"] = LayerConfigWriter.Regularizer(BiasRegularizer);
        config["activity_regularizer"] = LayerConfigWriter.Regularizer(ActivityRegularizer);
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static SeparableConv2D FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ImageLayer(config, nameof(SeparableConv2D));
        var (kernelSize, strides, padding, dilation) = ConvolutionWindow.Read(r, 2);
        return r.Finish(new SeparableConv2D(r.Required<int>("filters"), kernelSize, strides, padding, dilation,
            r.Optional("depth_multiplier", DepthMultiplierByDefault), r.Activation(), r.Optional("use_bias", UseBiasByDefault),
            r.Initializer("depthwise_initializer"), r.Initializer("pointwise_initializer"), r.Initializer("bias_initializer"),
            r.Regularizer("depthwise_regularizer"), r.Regularizer("pointwise_regularizer"), r.Regularizer("bias_regularizer"),
            r.Regularizer("activity_regularizer"), r.Name, r.InputShape));
    }
}
