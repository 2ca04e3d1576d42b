namespace DeepSharp.Interop.Onnx;

/// <summary>
/// How a tensor of the imported model stands for a value of the ONNX graph. The importer keeps images
/// channels-last, recurrent sequences batch-major and flattened images in Keras' order; the ONNX value is then
/// a rearrangement of the model's tensor, made real (a Transpose, Unsqueeze or Gather node) only where a
/// consumer needs ONNX's own layout.
/// </summary>
internal sealed record OnnxLayout
{
    private OnnxLayout(int[]? permutation, int? unsqueezed, int[]? features)
    {
        Permutation = permutation;
        Unsqueezed = unsqueezed;
        Features = features;
    }

    /// <summary>The ONNX value is the tensor itself.</summary>
    public static OnnxLayout Plain { get; } = new(null, null, null);

    /// <summary>onnx = tensor.permute(permutation) (for NHWC images: [0, 3, 1, 2]).</summary>
    public static OnnxLayout Permuted(int[] permutation) =>
        permutation.Select((p, i) => p == i).All(same => same) ? Plain : new(permutation, null, null);

    /// <summary>onnx = unsqueeze(tensor.permute(permutation), axis) (an ONNX recurrent output's direction axis).</summary>
    public static OnnxLayout PermutedUnsqueezed(int[] permutation, int axis) => new(permutation, axis, null);

    /// <summary>onnx[:, j] = tensor[:, features[j]] (an image flattened in h, w, c order where ONNX flattens c, h, w).</summary>
    public static OnnxLayout FeatureGather(int[] features) => new(null, null, features);

    /// <summary>The axis order, or null.</summary>
    public int[]? Permutation { get; }

    /// <summary>The axis of size 1 ONNX has and the tensor lacks, or null.</summary>
    public int? Unsqueezed { get; }

    /// <summary>Where each ONNX feature is in the tensor's second axis, or null.</summary>
    public int[]? Features { get; }

    /// <summary>Whether the ONNX value is the tensor itself.</summary>
    public bool IsPlain => Permutation is null && Unsqueezed is null && Features is null;

    /// <summary>Whether this is a pure permutation of the tensor's axes.</summary>
    public bool IsPermutation => Permutation is not null && Unsqueezed is null && Features is null;

    /// <summary>The ONNX shape for a tensor of <paramref name="shape"/>.</summary>
    public int[] OnnxShape(int[] shape)
    {
        var result = Permutation is null ? shape : Permutation.Select(p => shape[p]).ToArray();
        if (Unsqueezed is { } axis) result = [.. result[..axis], 1, .. result[axis..]];
        return result;
    }

    /// <summary>The tensor's shape for an ONNX value of <paramref name="onnx"/> shape.</summary>
    public int[] TensorShape(int[] onnx)
    {
        var shape = onnx;
        if (Unsqueezed is { } axis) shape = [.. shape[..axis], .. shape[(axis + 1)..]];
        if (Permutation is { } p)
        {
            var inverse = new int[shape.Length];
            for (int i = 0; i < p.Length; i++) inverse[p[i]] = shape[i];
            shape = inverse;
        }
        return shape;
    }
}
