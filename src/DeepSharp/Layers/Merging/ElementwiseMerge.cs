namespace DeepSharp;

/// <summary>
/// A merge of inputs of one shape, element by element (<see cref="Add"/>, <see cref="Subtract"/>,
/// <see cref="Multiply"/>, <see cref="Average"/>): the shapes must be equal, as Keras requires.
/// </summary>
public abstract class ElementwiseMerge : MergeLayer
{
    /// <summary>Creates the layer.</summary>
    protected ElementwiseMerge(string? name) : base(name)
    {
    }

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(IReadOnlyList<TensorShape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        for (int i = 1; i < inputShapes.Count; i++)
            if (inputShapes[i] != inputShapes[0])
                throw new ArgumentException($"{ClassName} '{Name}' needs inputs of one shape; got {DescribeShapes(inputShapes)}.");
        return inputShapes[0];
    }
}
