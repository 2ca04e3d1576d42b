namespace DeepSharp.Kernels;

/// <summary>
/// 2-D convolution over NHWC images with HWIO kernels, lowered onto the GEMM micro-kernels (see
/// <see cref="ConvolutionDriver{TKernel}"/>): forward with bias and activation fused into the output pass,
/// and backward for the input, the kernel and the bias in one sweep over the output gradient. The
/// micro-kernel is picked once from <see cref="Simd.Level"/>, as <see cref="Gemm"/> does. With AVX-512, 3×3 stride-1
/// convolutions run forward and their input gradient by <see cref="WinogradConvolution"/> where the shape suits it,
/// and single-channel images take <see cref="DirectConvolution"/>.
/// </summary>
internal static unsafe class Convolution
{
    /// <summary>
    /// Whether a parallel pass of the GEMM path packs its kernel on all threads, in a job of its own before the pass (a
    /// 5×5×64×128 kernel is 800 KB, copied on the calling thread alone while the other waits); false packs it
    /// on the calling thread, for A/B comparisons (the same values either way). Starts false when the environment variable
    /// <c>DEEPSHARP_CONVOLUTION_PACKING</c> is <c>serial</c>.
    /// </summary>
    internal static bool ParallelPacking { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_CONVOLUTION_PACKING"), "serial", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a parallel backward pass computes the input gradient in items of its own, a few images each, beside the
    /// items that sum the kernel gradient over their ranges of images; false has each of those ranges compute its images'
    /// input gradient too, for A/B comparisons (the same values either way). Starts false when the environment variable
    /// <c>DEEPSHARP_CONVOLUTION_BACKWARD</c> is <c>ranges</c>.
    /// </summary>
    internal static bool SplitBackward { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_CONVOLUTION_BACKWARD"), "ranges", StringComparison.OrdinalIgnoreCase);

    /// <summary>y = act(conv(x, kernel) + bias); <paramref name="bias"/> may be null.</summary>
    internal static void Forward(in ConvolutionGeometry g, float* x, float* kernel, float* bias, FusedActivation activation, float* y) =>
        Forward(Simd.Level, g, x, kernel, bias, activation, y);

    /// <summary>The forward pass with the micro-kernel of <paramref name="level"/>, so tests reach every path.</summary>
    internal static void Forward(SimdLevel level, in ConvolutionGeometry g, float* x, float* kernel, float* bias, FusedActivation activation, float* y)
    {
        if (g.Rows == 0 || g.Filters == 0) return;
        level = Available(level);
        if (level == SimdLevel.Vector512 && DirectConvolution.Applies(g))
        {
            DirectConvolution.Forward(g, x, kernel, bias, activation, y);
            return;
        }
        if (level == SimdLevel.Vector512 && WinogradConvolution.Applies(g))
        {
            // Winograd applies a ReLU itself; anything else follows in a pass of its own.
            bool own = activation.IsNone || activation.IsRelu;
            WinogradConvolution.Forward(g, x, kernel, bias, own ? activation : FusedActivation.None, y);
            if (!own) ConvolutionPasses.Output(y, g.Rows, g.Filters, null, activation);
            return;
        }
        switch (level)
        {
            case SimdLevel.Vector512: ConvolutionDriver<GemmKernel512>.Forward(g, x, kernel, bias, activation, y); break;
            case SimdLevel.Vector256: ConvolutionDriver<GemmKernelLanes<Lanes256>>.Forward(g, x, kernel, bias, activation, y); break;
            case SimdLevel.Vector128: ConvolutionDriver<GemmKernelLanes<Lanes128>>.Forward(g, x, kernel, bias, activation, y); break;
            default: ConvolutionDriver<GemmKernelScalar>.Forward(g, x, kernel, bias, activation, y); break;
        }
    }

    /// <summary>
    /// Gradients of a convolution whose output gradient is <paramref name="outputGradient"/>. With a fused
    /// ReLU, <paramref name="output"/> (the activated output) masks it first. Each of
    /// <paramref name="inputGradient"/>, <paramref name="kernelGradient"/>, <paramref name="biasGradient"/> may
    /// be null when not wanted; those given are overwritten.
    /// </summary>
    internal static void Backward(in ConvolutionGeometry g, float* x, float* kernel, float* outputGradient, float* output,
        FusedActivation activation, float* inputGradient, float* kernelGradient, float* biasGradient) =>
        Backward(Simd.Level, g, x, kernel, outputGradient, output, activation, inputGradient, kernelGradient, biasGradient);

    /// <summary>The backward pass with the micro-kernel of <paramref name="level"/>.</summary>
    internal static void Backward(SimdLevel level, in ConvolutionGeometry g, float* x, float* kernel, float* outputGradient, float* output,
        FusedActivation activation, float* inputGradient, float* kernelGradient, float* biasGradient)
    {
        if (g.Batch == 0) return;
        if (g.Filters == 0)
        {
            // No filters: the output is empty and nothing flows back.
            if (inputGradient != null) new Span<float>(inputGradient, g.Batch * g.ImageSize).Clear();
            return;
        }
        level = Available(level);
        if (inputGradient != null && level == SimdLevel.Vector512 && WinogradConvolution.TakesInputGradient(g))
        {
            // The input gradient alone by Winograd; the kernel and bias gradients stay on the GEMM path.
            WinogradConvolution.InputGradient(g, kernel, outputGradient, output, activation, inputGradient);
            if (kernelGradient != null || biasGradient != null)
                Backward(level, g, x, kernel, outputGradient, output, activation, null, kernelGradient, biasGradient);
            return;
        }
        if (inputGradient == null && level == SimdLevel.Vector512 && DirectConvolution.Applies(g))
        {
            DirectConvolution.BackwardKernel(g, x, outputGradient, output, activation, kernelGradient, biasGradient);
            return;
        }
        switch (level)
        {
            case SimdLevel.Vector512:
                ConvolutionDriver<GemmKernel512>.Backward(g, x, kernel, outputGradient, output, activation, inputGradient, kernelGradient, biasGradient);
                break;
            case SimdLevel.Vector256:
                ConvolutionDriver<GemmKernelLanes<Lanes256>>.Backward(g, x, kernel, outputGradient, output, activation, inputGradient, kernelGradient, biasGradient);
                break;
            case SimdLevel.Vector128:
                ConvolutionDriver<GemmKernelLanes<Lanes128>>.Backward(g, x, kernel, outputGradient, output, activation, inputGradient, kernelGradient, biasGradient);
                break;
            default:
                ConvolutionDriver<GemmKernelScalar>.Backward(g, x, kernel, outputGradient, output, activation, inputGradient, kernelGradient, biasGradient);
                break;
        }
    }

    private static SimdLevel Available(SimdLevel level) => Gemm.Available(level);
}
