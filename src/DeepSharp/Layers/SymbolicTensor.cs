namespace DeepSharp;

/// <summary>
/// A placeholder for the output of a layer in a model being defined, as Keras' <c>KerasTensor</c>: it has a
/// per-sample shape and remembers which layer made it from which inputs, but holds no values. Start from
/// <c>new Input(shape)</c>, call layers on symbolic tensors, and give the ends to <c>new Model(inputs, outputs)</c>:
/// <code>
/// var inputs = new Input([784]);
/// var hidden = new Dense(64, activation: "relu").Call(inputs);
/// var outputs = new Dense(10, activation: "softmax").Call(hidden);
/// var model = new Model(inputs, outputs);
/// </code>
/// Eager computation never sees these: calling a layer on a <see cref="Tensor"/> stays the fast path.
/// </summary>
public sealed class SymbolicTensor
{
    internal SymbolicTensor(PartialShape shape, GraphNode node, int index)
    {
        Shape = shape;
        Node = node;
        Index = index;
    }

    /// <summary>The shape of one sample (no batch dimension); a dimension is null where it is unknown until the data comes.</summary>
    public PartialShape Shape { get; }

    /// <summary>The layer whose call produced this tensor (an <see cref="Input"/> for a model input).</summary>
    public Layer Layer => Node.Layer;

    /// <summary>The call that produced it (for a model input, the <see cref="Input"/>'s own).</summary>
    public GraphNode Node { get; }

    /// <summary>Which output of that call it is.</summary>
    internal int Index { get; }

    /// <summary>The producing layer's name, with the output's index when the call has several outputs.</summary>
    public string Name => Node.Outputs.Length == 1 ? Layer.Name : $"{Layer.Name}:{Index}";

    /// <summary>Shape and origin, as Keras prints a symbolic tensor.</summary>
    public override string ToString() => $"<SymbolicTensor shape={Layer.FormatBatch(Shape)}, name={Name}>";
}
