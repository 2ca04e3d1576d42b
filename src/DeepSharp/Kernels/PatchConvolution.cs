namespace DeepSharp.Kernels;

/// <summary>
/// Convolutions whose windows tile the image (stride equal to the kernel, no padding, no dilation: a vision
/// transformer's patch embedding). Their patch matrix holds each input value at most once, so gathering it costs one
/// read of the image and the convolution is one GEMM at the micro-kernel's speed (<see cref="ConvolutionDriver{TKernel}"/>),
/// forward and for the kernel gradient, whatever the channels. Single-channel images would otherwise take
/// <see cref="DirectConvolution"/>, which pays off where windows overlap (the gather would copy each pixel Kh·Kw times) but
/// whose narrow outputs (the vit's 4 patches a row) fall to one pixel at a time, two FMA chains waiting on their latency.
/// </summary>
internal static class PatchConvolution
{
    /// <summary>
    /// Whether such single-channel convolutions take the GEMM path; false leaves them on the direct kernel, for A/B
    /// comparisons. Starts false when the environment variable <c>DEEPSHARP_PATCH_CONVOLUTION</c> is <c>direct</c>.
    /// </summary>
    internal static bool Enabled { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_PATCH_CONVOLUTION"), "direct", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the windows of <paramref name="g"/> tile its images without overlap or padding.</summary>
    internal static bool Tiles(in ConvolutionGeometry g) =>
        g.StrideHeight == g.KernelHeight && g.StrideWidth == g.KernelWidth
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.PadTop == 0 && g.PadLeft == 0;

    /// <summary>Whether <paramref name="g"/> goes to the GEMM path rather than the direct kernel.</summary>
    internal static bool Applies(in ConvolutionGeometry g) => Enabled && Tiles(g);
}
