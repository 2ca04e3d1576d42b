namespace DeepSharp.Kernels;

/// <summary>
/// The shape of a 2-D pooling over NHWC images, padding resolved: window (oh, ow) covers input rows
/// [oh·strideH − padTop, +poolH) and columns [ow·strideW − padLeft, +poolW), clipped to the image (padding
/// never takes part: it is neither a maximum nor counted in an average, as in Keras/TensorFlow).
/// </summary>
internal struct PoolingGeometry
{
    public int Batch, Height, Width, Channels;
    public int PoolHeight, PoolWidth, StrideHeight, StrideWidth, PadTop, PadLeft;
    public int OutputHeight, OutputWidth;

    /// <summary>Whether every input pixel lies in at most one window (strides at least the pool size).</summary>
    public readonly bool Disjoint => StrideHeight >= PoolHeight && StrideWidth >= PoolWidth;

    /// <summary>Whether every input pixel lies in at least one window.</summary>
    public readonly bool Covering =>
        StrideHeight <= PoolHeight && StrideWidth <= PoolWidth && PadTop == 0 && PadLeft == 0 &&
        (OutputHeight - 1) * StrideHeight + PoolHeight >= Height && (OutputWidth - 1) * StrideWidth + PoolWidth >= Width;

    public readonly int OutputRows => Batch * OutputHeight;
}
