using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// What the convolutions share, as Keras' <c>BaseConv</c>: filters, channel groups and the window (kernel size,
/// strides, padding, dilation; see <see cref="ConvolutionWindow"/>), checked once, over channels-last inputs:
/// sequences (batch, steps, channels) for Conv1D, images (batch, height, width, channels) for the 2-D ones.
/// Conv2D and Conv2DTranspose add their own geometry.
/// </summary>
public abstract class ConvolutionLayer : KernelLayer
{
    /// <summary>Keras' default: one group (an ordinary convolution).</summary>
    private protected const int OneGroup = 1;

    private protected ConvolutionLayer(int filters, ConvolutionWindow window, int groups,
        ActivationFunction? activation, bool useBias, Initializer? kernelInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Regularizer? activityRegularizer, string? name, PartialShape? inputShape)
        : base(activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer, name, inputShape)
    {
        string kind = GetType().Name;
        if (filters <= 0)
            throw new ArgumentOutOfRangeException(nameof(filters), filters, $"{kind}: filters must be a positive integer; got {filters}.");
        if (groups <= 0)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{kind}: groups must be a positive integer; got {groups}.");
        if (filters % groups != 0)
            throw new ArgumentException($"{kind}: filters ({filters}) must be a multiple of groups ({groups}).", nameof(groups));
        Filters = filters;
        Groups = groups;
        Window = window;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Channel groups, each convolved with its own Filters / Groups filters (1 for an ordinary convolution, always for Conv2DTranspose).</summary>
    public int Groups { get; }

    /// <summary>"valid", "same", or (Conv1D) "causal".</summary>
    public string Padding => Window.PaddingName;

    /// <summary>Kernel size, strides, dilation and padding.</summary>
    private protected ConvolutionWindow Window { get; }

    /// <summary>Whether the padding is "same".</summary>
    private protected bool SamePadding => Window.Same;

    /// <summary>
    /// The output shape of a convolution (not transposed) of <paramref name="inputShape"/>: the window's output size and
    /// <see cref="Filters"/> channels, after checking the input's rank and that the channels split into the groups.
    /// </summary>
    private protected TensorShape ConvolvedShape(TensorShape inputShape)
    {
        ImageLayers.RequireSpatial(this, inputShape, Window.Rank);
        int channels = inputShape[-1];
        if (channels % Groups != 0)
            throw new ArgumentException(
                $"{ClassName} '{Name}': the input's {channels} channels (input {FormatBatch(inputShape)}) do not split into {Groups} groups.");
        var (height, width) = Window.Output(inputShape);
        if (height <= 0 || width <= 0)
            throw new ArgumentException(
                $"{ClassName} '{Name}': the kernel {Window.Format(Window.KernelSize)} (dilation {Window.Format(Window.DilationRate)}) is larger than " +
                $"the input {FormatBatch(inputShape)} with \"valid\" padding. " +
                $"Use padding: \"same\"{(Window.Rank == 1 ? " or \"causal\"" : "")}, a smaller kernel, or a larger input.");
        return Window.Rank == 1 ? [width, Filters] : [height, width, Filters];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        Window.Write(config);
        AddGeometry(config);
        return WithKernelConfig(config);
    }

    /// <summary>Adds what a convolution saves beyond the shared arguments (groups, the transpose's output padding).</summary>
    private protected abstract void AddGeometry(JsonObject config);

    /// <summary>The shared arguments as saved: the reader, the filters and the window.</summary>
    private protected readonly record struct ConvolutionArguments(ConfigReader Reader, int Filters, Size2D KernelSize, Size2D? Strides,
        string Padding, Size2D? DilationRate, KernelArguments Kernel)
    {
        internal static ConvolutionArguments Read(JsonObject config, string owner, int rank = 2)
        {
            var r = LayerConfigReader.ImageLayer(config, owner);
            var (kernelSize, strides, padding, dilation) = ConvolutionWindow.Read(r, rank);
            return new(r, r.Required<int>("filters"), kernelSize, strides, padding, dilation, KernelArguments.Read(r));
        }
    }
}
