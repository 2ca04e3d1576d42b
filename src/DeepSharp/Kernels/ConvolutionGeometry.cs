namespace DeepSharp.Kernels;

/// <summary>
/// The shape of one 2-D convolution over NHWC images with an HWIO kernel, padding already resolved to
/// explicit amounts: input pixel (ih, iw) = (oh·strideH − padTop + kh·dilationH, ow·strideW − padLeft + kw·dilationW),
/// and positions outside the image read as zero. Lowered to a GEMM, the convolution multiplies the
/// (N·Ho·Wo) × (Kh·Kw·C) matrix of image patches ("columns", each row one output pixel's receptive field in
/// (kh, kw, c) order) by the kernel seen as a (Kh·Kw·C) × F matrix, which is exactly HWIO's memory layout.
/// </summary>
internal struct ConvolutionGeometry
{
    public int Batch, Height, Width, Channels;
    public int KernelHeight, KernelWidth, Filters;
    public int StrideHeight, StrideWidth, DilationHeight, DilationWidth;
    public int PadTop, PadLeft;
    public int OutputHeight, OutputWidth;

    /// <summary>The GEMM's shared dimension: values in one receptive field.</summary>
    public readonly int Patch => KernelHeight * KernelWidth * Channels;

    /// <summary>Output pixels per image (rows of the GEMM per image).</summary>
    public readonly int OutputPixels => OutputHeight * OutputWidth;

    /// <summary>Rows of the GEMM over the whole batch.</summary>
    public readonly int Rows => Batch * OutputHeight * OutputWidth;

    /// <summary>Floats in one input image.</summary>
    public readonly int ImageSize => Height * Width * Channels;

    /// <summary>Multiply-adds of the forward pass.</summary>
    public readonly long MultiplyAdds => (long)Rows * Patch * Filters;
}
