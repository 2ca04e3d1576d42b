using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The global poolings, as Keras' <c>BaseGlobalPooling</c>: one value per channel over all steps or pixels (the largest
/// or the mean, as its mode says): (batch, steps, c) or (batch, h, w, c) becomes (batch, c), or keeps the spatial axes
/// as size 1 with <see cref="KeepDims"/>.
/// </summary>
public abstract class GlobalPoolingLayer : Layer
{
    /// <summary>Keras' default: the spatial axes are dropped.</summary>
    private protected const bool KeepDimsByDefault = false;

    private readonly PoolingMode _mode;
    private readonly int[] _axes;

    private protected GlobalPoolingLayer(PoolingMode mode, int rank, bool keepDims, string? name, PartialShape? inputShape) : base(name, inputShape)
    {
        _mode = mode;
        _axes = rank == 1 ? [1] : [1, 2];
        KeepDims = keepDims;
    }

    /// <summary>Whether the spatial axes are kept as size 1.</summary>
    public bool KeepDims { get; }

    /// <summary>The spatial rank: 1 for sequences, 2 for images.</summary>
    private protected int Rank => _axes.Length;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) =>
        _mode == PoolingMode.Max ? Ops.Max(inputs, _axes, KeepDims) : Ops.Mean(inputs, _axes, KeepDims);

    /// <inheritdoc/>
    /// <remarks>The steps (or height and width) may be unknown: they are pooled away.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis < rank - 1;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        ImageLayers.RequireSpatial(this, inputShape, Rank);
        int channels = inputShape[-1];
        if (!KeepDims) return [channels];
        return Rank == 1 ? [1, channels] : [1, 1, channels];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["data_format"] = "channels_last";
        config["keepdims"] = KeepDims;
        return config;
    }

    /// <summary>Reads the arguments <see cref="GetConfig"/> saved and makes the layer with <paramref name="create"/>.</summary>
    private protected static T FromConfig<T>(JsonObject config, Func<bool, string?, PartialShape?, T> create) where T : GlobalPoolingLayer
    {
        var r = LayerConfigReader.ImageLayer(config, typeof(T).Name);
        return r.Finish(create(r.Optional("keepdims", KeepDimsByDefault), r.Name, r.InputShape));
    }
}
