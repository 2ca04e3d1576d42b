namespace DeepSharp.Plots;

/// <summary>How image values map to pixel intensities in <see cref="ImageGrid"/>. Values outside the range are clipped.</summary>
public enum ImageValueRange
{
    /// <summary>0 is black, 1 is white (images scaled to [0, 1], sigmoid outputs).</summary>
    ZeroToOne,

    /// <summary>−1 is black, 1 is white (tanh outputs of a GAN generator).</summary>
    MinusOneToOne,

    /// <summary>The smallest value of the whole batch is black, the largest white (keeps brightness comparable across tiles).</summary>
    MinMax,

    /// <summary>Each image is stretched on its own from its smallest to its largest value (filters, activations).</summary>
    MinMaxPerImage,
}
