using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Max and average pooling over channels-last inputs, as Keras' <c>BasePooling</c>: sequences (batch, steps,
/// channels) for the 1-D layers, images (batch, height, width, channels) for the 2-D ones. Window size, strides and
/// padding are checked once (a 1-D window kept as a 2-D one of height 1, as the kernels run it); the output shape
/// and the pooling op follow from the mode.
/// </summary>
public abstract class PoolingLayer : Layer
{
    private readonly PoolingMode _mode;
    private readonly int _rank;

    private protected PoolingLayer(PoolingMode mode, int rank, Size2D poolSize, Size2D strides, string padding, string? name, PartialShape? inputShape)
        : base(name, inputShape)
    {
        _mode = mode;
        _rank = rank;
        string kind = GetType().Name;
        Window = Positive(kind, poolSize, "poolSize");
        Step = Positive(kind, strides, "strides");
        Padding = ImageLayers.Padding(kind, padding);
        SamePadding = Padding == "same";
    }

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>Window size (height 1 in 1-D).</summary>
    private protected Size2D Window { get; }

    /// <summary>Step between windows (height 1 in 1-D).</summary>
    private protected Size2D Step { get; }

    private bool SamePadding { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => (_mode, _rank) switch
    {
        (PoolingMode.Max, 1) => Ops.MaxPool1D(inputs, Window.Width, Step.Width, SamePadding, Label),
        (PoolingMode.Max, _) => Ops.MaxPool2D(inputs, Window, Step, SamePadding, Label),
        (_, 1) => Ops.AveragePool1D(inputs, Window.Width, Step.Width, SamePadding, Label),
        _ => Ops.AveragePool2D(inputs, Window, Step, SamePadding, Label),
    };

    /// <inheritdoc/>
    /// <remarks>The steps (or height and width) may be unknown.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis < rank - 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireSpatial(this, inputShape, _rank);
        int height = _rank == 1 ? 1 : Ops.WindowOutput(inputShape[0], Window.Height, Step.Height, 1, SamePadding).Output;
        int width = Ops.WindowOutput(inputShape[_rank - 1], Window.Width, Step.Width, 1, SamePadding).Output;
        if (height <= 0 || width <= 0)
            throw new ArgumentException(
                $"{ClassName} '{Name}': the pool size {Format(Window)} is larger than the input {FormatBatch(inputShape)} " +
                "with \"valid\" padding. Use padding: \"same\" or a smaller pool.");
        return _rank == 1 ? [width, inputShape[1]] : [height, width, inputShape[2]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = ToJson(Window);
        config["padding"] = Padding;
        config["strides"] = ToJson(Step);
        config["data_format"] = "channels_last";
        return config;
    }

    private JsonArray ToJson(Size2D size) => _rank == 1 ? new JsonArray(size.Width) : ImageLayers.ToJson(size);

    private string Format(Size2D size) => _rank == 1 ? size.Width.ToString(System.Globalization.CultureInfo.InvariantCulture) : size.ToString();

    private Size2D Positive(string kind, Size2D size, string argument)
    {
        if (_rank == 2) return size.RequirePositive(kind, argument);
        return size.Width >= 1 ? size
            : throw new ArgumentOutOfRangeException(argument, size.Width, $"{kind}: {argument} must be a positive integer; got {size.Width}.");
    }
}
