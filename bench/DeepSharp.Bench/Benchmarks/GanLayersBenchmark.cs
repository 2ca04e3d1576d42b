using System.Runtime.InteropServices;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Where the DCGAN step (<c>gan</c>) spends its time, batch 64. Each convolution pass of the generator and the
/// discriminator alone, in GFLOP/s, beside DeepSharp's own GEMM on the product that pass lowers to (same m, n, k and
/// transposes, operands already laid out): forward, input gradient and kernel gradient. A transposed convolution is
/// the input gradient of the convolution it transposes, so its forward is that convolution's input-gradient pass and
/// its input gradient that convolution's forward. The name gives how often a step runs the pass (×3: the
/// discriminator sees the real batch, the generated batch, and the generated batch again in the generator's step).
/// Then the elementwise layers forward plus backward at the model's shapes, µs per call.
/// </summary>
internal sealed unsafe class GanLayersBenchmark : IBenchmark
{
    private const int Batch = 64;

    public string Name => "gan-layers";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var d1 = Ops.ConvolutionShape("bench", new TensorShape(Batch, 28, 28, 1), 5, 5, 1, 64, 2, true, 1);
        var d2 = Ops.ConvolutionShape("bench", new TensorShape(Batch, 14, 14, 64), 5, 5, 64, 128, 2, true, 1);
        var t1 = Ops.TransposeShape("bench", new TensorShape(Batch, 7, 7, 128), new TensorShape(4, 4, 64, 128), 2, true, 1, null);
        var t2 = Ops.TransposeShape("bench", new TensorShape(Batch, 14, 14, 64), new TensorShape(4, 4, 1, 64), 2, true, 1, null);
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            string suffix = $"b{Batch} t{threads}";
            yield return Pass($"d conv2 5x5/2 fwd ×3 {suffix}", d2, Kind.Forward, bias: true);
            yield return Pass($"d conv2 5x5/2 dx ×3 {suffix}", d2, Kind.InputGradient, bias: true);
            yield return Pass($"d conv2 5x5/2 dW ×2 {suffix}", d2, Kind.KernelGradient, bias: true);
            yield return Pass($"d conv2 5x5/2 dx+dW ×2 {suffix}", d2, Kind.Both, bias: true);
            yield return Pass($"g convT1 4x4/2 fwd ×1 {suffix}", t1, Kind.InputGradient, bias: false);
            yield return Pass($"g convT1 4x4/2 dx ×1 {suffix}", t1, Kind.Forward, bias: false);
            yield return Pass($"g convT1 4x4/2 dW ×1 {suffix}", t1, Kind.KernelGradient, bias: false);
            yield return Pass($"d conv1 5x5/2 fwd ×3 {suffix}", d1, Kind.Forward, bias: true);
            yield return Pass($"d conv1 5x5/2 dx ×1 {suffix}", d1, Kind.InputGradient, bias: true);
            yield return Pass($"d conv1 5x5/2 dW ×2 {suffix}", d1, Kind.KernelGradient, bias: true);
            yield return Pass($"g convT2 4x4/2 fwd ×1 {suffix}", t2, Kind.InputGradient, bias: false);
            yield return Pass($"g convT2 4x4/2 dx ×1 {suffix}", t2, Kind.Forward, bias: false);
            yield return Pass($"g convT2 4x4/2 dW ×1 {suffix}", t2, Kind.KernelGradient, bias: false);
            foreach (var row in Elementwise(suffix)) yield return row;
        }
    }

    private enum Kind { Forward, InputGradient, KernelGradient, Both }

    /// <summary>One pass of the convolution <paramref name="g"/> against the GEMM it lowers to, GFLOP/s each.</summary>
    private static BenchmarkResult Pass(string name, ConvolutionGeometry g, Kind kind, bool bias)
    {
        var random = new Random(5);
        long imageFloats = (long)g.Batch * g.ImageSize, kernelFloats = (long)g.Patch * g.Filters, outputFloats = (long)g.Rows * g.Filters;
        long patchFloats = (long)g.Rows * g.Patch;
        float* x = Values(imageFloats, random), w = Values(kernelFloats, random), b = Values(g.Filters, random);
        float* y = Values(outputFloats, random), dx = Values(imageFloats, random), dw = Values(kernelFloats, random), db = Values(g.Filters, random);
        float* patches = Values(patchFloats, random); // the GEMM's lowered operand (patches, or their gradient)
        try
        {
            Action ours = kind switch
            {
                Kind.Forward => () => Convolution.Forward(g, x, w, bias ? b : null, FusedActivation.None, y),
                Kind.InputGradient => () => Convolution.Backward(g, x, w, y, null, FusedActivation.None, dx, null, null),
                Kind.KernelGradient => () => Convolution.Backward(g, x, w, y, null, FusedActivation.None, null, dw, bias ? db : null),
                _ => () => Convolution.Backward(g, x, w, y, null, FusedActivation.None, dx, dw, bias ? db : null),
            };
            Action gemm = kind switch
            {
                Kind.Forward => () => Gemm.Multiply(false, false, g.Rows, g.Filters, g.Patch, patches, g.Patch, w, g.Filters, y, g.Filters),
                Kind.InputGradient => () => Gemm.Multiply(false, true, g.Rows, g.Patch, g.Filters, y, g.Filters, w, g.Filters, patches, g.Patch),
                Kind.KernelGradient => () => Gemm.Multiply(true, false, g.Patch, g.Filters, g.Rows, patches, g.Patch, y, g.Filters, dw, g.Filters),
                _ => () =>
                {
                    Gemm.Multiply(false, true, g.Rows, g.Patch, g.Filters, y, g.Filters, w, g.Filters, patches, g.Patch);
                    Gemm.Multiply(true, false, g.Patch, g.Filters, g.Rows, patches, g.Patch, y, g.Filters, dw, g.Filters);
                },
            };
            var (a, c) = Measure.SecondsPerCall(ours, gemm);
            double flops = (kind == Kind.Both ? 4.0 : 2.0) * g.MultiplyAdds;
            return new BenchmarkResult(name, flops / a / 1e9, flops / c / 1e9, BenchmarkUnit.GflopsPerSecond, PeerName: "GEMM");
        }
        finally
        {
            foreach (var p in new[] { (nint)x, (nint)w, (nint)b, (nint)y, (nint)dx, (nint)dw, (nint)db, (nint)patches })
                NativeMemory.AlignedFree((void*)p);
        }
    }

    private static float* Values(long count, Random random)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        for (long i = 0; i < count; i++) p[i] = (float)(random.NextDouble() * 2 - 1);
        return p;
    }

    /// <summary>The layers between the convolutions, forward plus backward (upstream gradient of ones), µs per call.</summary>
    private static IEnumerable<BenchmarkResult> Elementwise(string suffix)
    {
        var rng = new RandomGenerator(3);
        Tensor Input(params int[] shape) { using (TensorScope.Suspend()) return Tensor.RandomUniform(shape, -1f, 1f, rng).WithRequiresGrad(); }
        (Tensor, Tensor, Tensor, Tensor) Norm(int channels)
        {
            using (TensorScope.Suspend())
                return (Tensor.Zeros(channels), Tensor.Ones(channels), Tensor.Ones(channels).WithRequiresGrad(), Tensor.Zeros(channels).WithRequiresGrad());
        }
        var image64 = Input(Batch, 14, 14, 64);
        var image128 = Input(Batch, 7, 7, 128);
        var flat = Input(Batch, 7 * 7 * 128);
        var (m1, v1, g1, b1) = Norm(7 * 7 * 128);
        var (m2, v2, g2, b2) = Norm(64);
        var noise = Input(Batch, 100);
        var dense0 = Input(100, 7 * 7 * 128);
        var dense1 = Input(7 * 7 * 128, 1);
        var picture = Input(Batch, 28, 28, 1);
        yield return Row($"g dense 100>6272 ×1 {suffix}", () => noise.MatMul(dense0));
        yield return Row($"g batchnorm 6272 ×1 {suffix}", () => Ops.BatchNormalization(flat, m1, v1, g1, b1, training: true, momentum: 0.9f));
        yield return Row($"g leaky 6272 ×1 {suffix}", () => Ops.LeakyRelu(flat, 0.2f));
        yield return Row($"g batchnorm 14x14x64 ×1 {suffix}", () => Ops.BatchNormalization(image64, m2, v2, g2, b2, training: true, momentum: 0.9f));
        yield return Row($"leaky 14x14x64 ×4 {suffix}", () => Ops.LeakyRelu(image64, 0.2f));
        yield return Row($"d dropout 14x14x64 ×3 {suffix}", () => Ops.Dropout(image64, 0.3f, rng));
        yield return Row($"d leaky 7x7x128 ×3 {suffix}", () => Ops.LeakyRelu(image128, 0.2f));
        yield return Row($"d dropout 7x7x128 ×3 {suffix}", () => Ops.Dropout(image128, 0.3f, rng));
        yield return Row($"d dense 6272>1 ×3 {suffix}", () => flat.MatMul(dense1));
        yield return Row($"g tanh 28x28 ×1 {suffix}", () => Ops.Tanh(picture));
    }

    private static BenchmarkResult Row(string name, Func<Tensor> ours)
    {
        double seconds = Measure.SecondsPerCall(() =>
        {
            using (TensorScope.Begin())
            {
                var y = ours();
                y.Backward(Tensor.Ones(y.Shape));
            }
        });
        return new BenchmarkResult(name, seconds * 1e6, double.NaN, BenchmarkUnit.Microseconds);
    }
}
