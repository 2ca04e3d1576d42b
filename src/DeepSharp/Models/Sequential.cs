using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A plain stack of layers, each feeding the next, as Keras' <c>Sequential</c>. When the first layer
/// declares an input shape (or is an <see cref="Input"/>), layers are built as they are added, so a layer
/// that cannot take its predecessor's output is reported at once, naming both.
/// </summary>
public sealed class Sequential : Model
{
    private readonly List<Layer> _layers = [];

    /// <summary>Creates a model from layers in order.</summary>
    public Sequential(params Layer[] layers) : this(layers, null)
    {
    }

    /// <summary>Creates a named model from layers in order.</summary>
    public Sequential(IEnumerable<Layer> layers, string? name = null) : base(name)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var layer in layers) Add(layer);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Layer> Layers => _layers;

    /// <inheritdoc/>
    public override PartialShape? DeclaredInputShape => _layers.Count > 0 ? _layers[0].DeclaredInputShape : null;

    /// <summary>Appends a layer; builds it now if the model's input shape is known.</summary>
    public void Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (_layers.Any(l => ReferenceEquals(l, layer)))
            throw new ArgumentException($"Sequential '{Name}': layer '{layer.Name}' is already in the model.", nameof(layer));
        if (_layers.Any(l => l.Name == layer.Name))
            throw new ArgumentException($"Sequential '{Name}': a layer named '{layer.Name}' is already in the model; layer names must be unique.", nameof(layer));
        if (_layers.Count > 0 && layer is Input)
            throw new ArgumentException($"Sequential '{Name}': an Input can only be the first layer.", nameof(layer));
        _layers.Add(layer);
        ForgetInferencePlans();
        if (DeclaredInputShape is { } input)
        {
            try
            {
                OutputShapeThrough(input, _layers.Count, build: true);
                if (!IsBuilt) EnsureBuilt(input);
            }
            catch
            {
                _layers.RemoveAt(_layers.Count - 1);
                throw;
            }
        }
    }

    /// <inheritdoc/>
    public override bool Trainable
    {
        get => base.Trainable;
        set
        {
            base.Trainable = value;
            foreach (var layer in _layers) layer.Trainable = value;
        }
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Weights => _layers.SelectMany(l => l.Weights).ToList();

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> TrainableWeights =>
        Trainable ? _layers.SelectMany(l => l.TrainableWeights).ToList() : [];

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> NonTrainableWeights =>
        Trainable ? _layers.SelectMany(l => l.NonTrainableWeights).ToList() : Weights;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        OutputShapeThrough(inputShape, _layers.Count, build: false).ToTensorShape();

    /// <inheritdoc/>
    public override PartialShape ComputeOutputShape(PartialShape inputShape) => OutputShapeThrough(inputShape, _layers.Count, build: false);

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape) => OutputShapeThrough(inputShape, _layers.Count, build: true);

    private protected override void BuildPartial(PartialShape inputShape) => OutputShapeThrough(inputShape, _layers.Count, build: true);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        var x = inputs;
        Tensor? mask = null; // a step mask made by Masking or Embedding(maskZero) and used by recurrent layers
        for (int i = 0; i < _layers.Count; i++)
        {
            if (_layers[i] is IMaskingLayer masking) x = masking.CallMasked(x, ref mask, training);
            else if (i + 1 < _layers.Count && _layers[i] is Conv2D conv && conv.CallPooled(x, _layers[i + 1]) is { } pooled)
            {
                // A convolution and the max pooling after it, as one op.
                x = pooled;
                mask = null;
                i++;
            }
            else if (i + 1 < _layers.Count && _layers[i] is Conv2D leaky
                && leaky.CallLeaky(x, _layers[i + 1], i + 2 < _layers.Count ? _layers[i + 2] : null, training, out int fused) is { } activated)
            {
                // A convolution, the leaky ReLU after it (and the dropout after that), as one op.
                x = activated;
                mask = null;
                i += fused;
            }
            else if (i + 1 < _layers.Count && _layers[i] is BatchNormalization norm && norm.CallLeaky(x, _layers[i + 1], training) is { } normalized)
            {
                // A batch normalization and the leaky ReLU after it, as one op.
                x = normalized;
                mask = null;
                i++;
            }
            else
            {
                x = _layers[i].Call(x, training);
                mask = null;
            }
        }
        return x;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = new JsonObject { ["name"] = Name, ["trainable"] = Trainable };
        var layers = new JsonArray();
        foreach (var layer in _layers)
            layers.Add((JsonNode)new JsonObject { ["class_name"] = layer.ClassName, ["config"] = layer.GetConfig() });
        config["layers"] = layers;
        return config;
    }

    /// <summary>Recreates the model and its layers from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static new Sequential FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Sequential));
        if (!r.TryGet("layers", out var node)) throw r.Missing("layers");
        var entries = node as JsonArray ?? throw r.Invalid("layers", node, "an array of saved layers");
        var layers = new List<Layer>(entries.Count);
        foreach (var entry in entries)
            layers.Add(LayerRegistry.Create(entry as JsonObject ?? throw r.Invalid("layers", entry, "a saved layer {\"class_name\": ..., \"config\": {...}} in each place")));
        return r.Finish(new Sequential(layers, r.Name));
    }

    /// <summary>The output shape after the first <paramref name="count"/> layers; builds them when asked.</summary>
    private PartialShape OutputShapeThrough(PartialShape inputShape, int count, bool build)
    {
        if (_layers.Count == 0)
            throw new InvalidOperationException($"Sequential '{Name}' has no layers; add layers before building or calling it.");
        var shape = inputShape;
        for (int i = 0; i < count; i++)
        {
            var layer = _layers[i];
            try
            {
                if (build) layer.EnsureBuilt(shape);
                shape = layer.ComputeOutputShape(shape);
            }
            catch (ArgumentException e) when (i > 0)
            {
                var previous = _layers[i - 1];
                throw new ArgumentException(
                    $"Sequential '{Name}': layer '{layer.Name}' ({layer.ClassName}) cannot take the output of layer '{previous.Name}' " +
                    $"({previous.ClassName}), shape {FormatBatch(shape)}. {e.Message}{HintFor(previous)}", e);
            }
        }
        return shape;
    }

    /// <summary>Advice a layer gives about its output when the next layer refuses it (none by default).</summary>
    private static string HintFor(Layer previous) => previous is IOutputHint hint ? " " + hint.HintForNextLayer() : "";
}
