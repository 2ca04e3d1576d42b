using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A 1-D convolution layer, as Keras' <c>Conv1D</c>: <c>activation(conv(inputs, kernel) + bias)</c> over
/// channels-last sequences (batch, steps, channels), with the kernel laid out (kernelSize, inChannels / groups,
/// filters). "causal" padding keeps each output from seeing later steps (for sequence models such as WaveNet). It
/// runs on the 2-D convolution's kernels as an image of height 1, with a ReLU inside the output pass.
/// </summary>
public sealed class Conv1D : ConvolutionLayer
{
    /// <summary>Creates the layer; arguments and defaults as Keras' Conv1D.</summary>
    /// <param name="filters">Output channels; must be positive.</param>
    /// <param name="kernelSize">Window length.</param>
    /// <param name="strides">Step between windows; 1 by default.</param>
    /// <param name="padding">"valid" (no padding), "same" (output of ceil(steps / stride)) or "causal" ((kernelSize − 1)·dilation zeros before the sequence).</param>
    /// <param name="dilationRate">Spacing between kernel taps; 1 by default.</param>
    /// <param name="activation">Applied to the output; null is linear.</param>
    /// <param name="useBias">Whether to add a bias per filter.</param>
    /// <param name="kernelInitializer">Kernel initializer (default glorot_uniform).</param>
    /// <param name="biasInitializer">Bias initializer (default zeros).</param>
    /// <param name="kernelRegularizer">Penalty on the kernel, added to the loss.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output.</param>
    /// <param name="groups">Channel groups, each convolved with its own filters / groups filters; 1 by default.</param>
    /// <param name="name">Layer name (default "conv1d", "conv1d_1", ...).</param>
    /// <param name="inputShape">Per-sample input shape (steps, channels) when this is a model's first layer.</param>
    public Conv1D(int filters, int kernelSize, int strides = 1, string padding = ImageLayers.ValidPadding, int dilationRate = 1,
        ActivationFunction? activation = null, bool useBias = UseBiasByDefault,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        int groups = OneGroup, string? name = null, PartialShape? inputShape = null)
        : base(filters, ConvolutionWindow.Create(nameof(Conv1D), 1, ConvolutionWindow.Sequence(kernelSize), ConvolutionWindow.Sequence(strides),
                padding, ConvolutionWindow.Sequence(dilationRate), allowCausal: true), groups,
            activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, name, inputShape)
    {
    }

    /// <summary>Window length.</summary>
    public int KernelSize => Window.KernelSize.Width;

    /// <summary>Step between windows.</summary>
    public int Strides => Window.Strides.Width;

    /// <summary>Spacing between kernel taps.</summary>
    public int DilationRate => Window.DilationRate.Width;

    /// <inheritdoc/>
    protected override string DefaultName => "conv1d";

    /// <inheritdoc/>
    /// <remarks>The steps may be unknown (the kernel slides along them).</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis == 0;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) => ConvolvedShape(inputShape);

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape) => BuildKernel([KernelSize, inputShape[1] / Groups, Filters], Filters);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        Ops.Conv1D(inputs, Kernel, Bias, Strides, Window.Padding, DilationRate, Groups, Activation, Label);

    private protected override void AddGeometry(JsonObject config) => config["groups"] = Groups;

    /// <summary>Recreates the layer from the configuration <see cref="ConvolutionLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Conv1D FromConfig(JsonObject config)
    {
        var (r, filters, kernelSize, strides, padding, dilation, k) = ConvolutionArguments.Read(config, nameof(Conv1D), rank: 1);
        return r.Finish(new Conv1D(filters, kernelSize.Width, strides?.Width ?? 1, padding, dilation?.Width ?? 1, k.Activation, k.UseBias,
            k.KernelInitializer, k.BiasInitializer, k.KernelRegularizer, k.BiasRegularizer, k.ActivityRegularizer, r.Optional("groups", OneGroup),
            r.Name, r.InputShape));
    }
}
