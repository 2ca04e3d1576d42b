using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Declares a model's per-sample input shape, as Keras' <c>keras.Input(shape=...)</c> placed first in a
/// Sequential model. Inputs pass through unchanged; a batch of the wrong shape is refused with a message.
/// A null dimension is unknown, as Keras' None: <c>new Input([null, 28])</c> takes sequences of any length.
/// </summary>
public sealed class Input : Layer
{
    /// <summary>Creates the input declaration for samples of <paramref name="shape"/> (null where a dimension is unknown).</summary>
    public Input(PartialShape shape, string? name = null) : base(name, shape)
    {
    }

    /// <summary>
    /// The symbolic tensor this input stands for in a functional model: call layers on it (an
    /// <see cref="Input"/> converts to it where a <see cref="SymbolicTensor"/> is expected).
    /// </summary>
    public SymbolicTensor Output
    {
        get
        {
            if (_output is null)
            {
                _output = GraphNode.Create(this, [], [Shape]).Outputs[0];
                MarkBuilt(Shape);
            }
            return _output;
        }
    }

    private SymbolicTensor? _output;

    /// <summary>The input's symbolic tensor, so that <c>layer.Call(input)</c> and <c>new Model(input, outputs)</c> read as in Keras.</summary>
    public static implicit operator SymbolicTensor(Input input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Output;
    }

    /// <summary>The per-sample shape (null where a dimension is unknown).</summary>
    public PartialShape Shape => DeclaredInputShape!.Value;

    /// <inheritdoc/>
    protected override string DefaultName => "input_layer";

    /// <inheritdoc/>
    public override string ClassName => "InputLayer";

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (!Shape.Accepts(inputShape))
            throw new ArgumentException($"Input '{Name}': expected shape {FormatBatch(Shape)}, found shape {FormatBatch(inputShape)}.");
        return inputShape;
    }

    /// <inheritdoc/>
    public override PartialShape ComputeOutputShape(PartialShape inputShape)
    {
        if (inputShape.TryGetTensorShape(out var known)) return ComputeOutputShape(known);
        if (inputShape != Shape)
            throw new ArgumentException($"Input '{Name}': expected shape {FormatBatch(Shape)}, found shape {FormatBatch(inputShape)}.");
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => inputs;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["batch_shape"] = new JsonArray([null, .. ShapeJson.Write(Shape).Select(d => d?.DeepClone())]);
        return config;
    }

    /// <summary>Recreates the input from the configuration <see cref="GetConfig"/> wrote, or Keras' "InputLayer" with its batch_shape.</summary>
    public static Input FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, "InputLayer");
        PartialShape? shape = null;
        if (r.TryGet("batch_shape", out var node))
        {
            // [null, d1, d2, ...]: the batch dimension first, unknown (or fixed) in Keras.
            if (node is not JsonArray { Count: > 0 } batch || (batch[0] is not null && batch[0]!.GetValueKind() != System.Text.Json.JsonValueKind.Number))
                throw r.Invalid("batch_shape", node, "[null, d1, d2, ...]: the batch dimension, then non-negative integers or null");
            shape = r.PartialShape("batch_shape", new JsonArray(batch.Skip(1).Select(n => n?.DeepClone()).ToArray()));
        }
        var inputShape = r.InputShape;
        if (shape is { } s && inputShape is { } i && s != i)
            throw new FormatException($"{r.Owner}: batch_shape {node!.ToJsonString()} and input_shape {i} disagree.");
        return r.Finish(new Input(shape ?? inputShape ?? throw r.Missing("batch_shape"), r.Name));
    }
}
