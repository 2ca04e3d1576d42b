namespace DeepSharp;

/// <summary>
/// One tensor as a safetensors header describes it: name, dtype, shape and its byte range in the data section
/// (checked against each other and the file before anything is read).
/// </summary>
internal readonly record struct SafeTensorsEntry(string Name, string DType, int ElementBytes, TensorShape Shape, ulong Begin, ulong End)
{
    /// <summary>The number of elements (the shape's product, checked to fit a tensor).</summary>
    public int Count => Shape.Size;
}
