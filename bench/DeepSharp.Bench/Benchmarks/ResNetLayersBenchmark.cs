using TorchFunctional = TorchSharp.torch.nn.functional;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Where the residual network's training step (<c>resnet</c>) spends its time: each kind of op forward and backward at
/// the model's shapes, batch 128, against the same op in TorchSharp (NCHW): the stem convolution (no input gradient, as
/// in training), the strided 3×3 and 1×1 convolutions that open each stage, the 3×3 convolutions inside the stages,
/// batch normalization in training mode, relu, the residual Add and the global average pooling. Times per call.
/// </summary>
internal sealed class ResNetLayersBenchmark : IBenchmark
{
    private const int Batch = 128;

    public string Name => "resnet-layers";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        foreach (int threads in options.Threads)
        {
            Parallelism.Threads = threads;
            torch.set_num_threads(threads);
            foreach (var result in Rows($"b{Batch} t{threads}")) yield return result;
        }
    }

    private static IEnumerable<BenchmarkResult> Rows(string suffix)
    {
        var rng = new RandomGenerator(3);
        Tensor Input(bool grad, params int[] shape) { using (TensorScope.Suspend()) return Tensor.RandomUniform(shape, 0f, 1f, rng).WithRequiresGrad(grad); }
        Tensor Weight(params int[] shape) => Input(true, shape);
        // NHWC values, laid out NCHW for TorchSharp; kernels [h, w, in, out] become [out, in, h, w].
        TorchTensor Nchw(Tensor t, bool grad)
        {
            var v = torch.tensor(t.ToArray(), Dims(t)).permute(0, 3, 1, 2).contiguous();
            return grad ? v.requires_grad_() : v;
        }
        TorchTensor Kernel(Tensor k) => torch.tensor(k.ToArray(), Dims(k)).permute(3, 2, 0, 1).contiguous().requires_grad_();

        BenchmarkResult Conv(string name, int size, int inputs, int filters, int kernel, int stride, bool inputGrad)
        {
            var x = Input(inputGrad, Batch, size, size, inputs);
            var k = Weight(kernel, kernel, inputs, filters);
            var tx = Nchw(x, inputGrad);
            var tk = Kernel(k);
            long[] strides = [stride, stride], padding = [kernel / 2, kernel / 2];
            return Row($"{name} {suffix}", () => Ops.Conv2D(x, k, null, strides: stride, padding: "same"),
                () => TorchFunctional.conv2d(tx, tk, null, strides: strides, padding: padding));
        }

        BenchmarkResult BatchNorm(int size, int channels)
        {
            var x = Input(true, Batch, size, size, channels);
            Tensor mean, variance;
            using (TensorScope.Suspend()) (mean, variance) = (Tensor.Zeros(channels), Tensor.Ones(channels));
            var (gamma, beta) = (Weight(channels), Weight(channels));
            var tx = Nchw(x, true);
            var (tMean, tVariance) = (torch.zeros(channels), torch.ones(channels));
            var (tGamma, tBeta) = (torch.ones(channels).requires_grad_(), torch.zeros(channels).requires_grad_());
            return Row($"batchnorm {size}x{size}x{channels} {suffix}", () => Ops.BatchNormalization(x, mean, variance, gamma, beta, training: true),
                () => TorchFunctional.batch_norm(tx, tMean, tVariance, tGamma, tBeta, training: true, momentum: 0.01, eps: 1e-3));
        }

        BenchmarkResult Relu(int size, int channels)
        {
            var x = Input(true, Batch, size, size, channels);
            var tx = Nchw(x, true);
            return Row($"relu {size}x{size}x{channels} {suffix}", () => Ops.Relu(x), () => TorchFunctional.relu(tx));
        }

        BenchmarkResult Add(int size, int channels)
        {
            var (a, b) = (Input(true, Batch, size, size, channels), Input(true, Batch, size, size, channels));
            var (ta, tb) = (Nchw(a, true), Nchw(b, true));
            return Row($"add {size}x{size}x{channels} {suffix}", () => Ops.Add(a, b), () => ta + tb);
        }

        yield return Conv("stem conv 1->32 @28", 28, 1, 32, 3, 1, inputGrad: false);
        yield return BatchNorm(28, 32);
        yield return Relu(28, 32);
        yield return Conv("conv3x3/2 32->64 @28", 28, 32, 64, 3, 2, inputGrad: true);
        yield return Conv("conv1x1/2 32->64 @28", 28, 32, 64, 1, 2, inputGrad: true);
        yield return Conv("conv3x3 64->64 @14", 14, 64, 64, 3, 1, inputGrad: true);
        yield return BatchNorm(14, 64);
        yield return Add(14, 64);
        yield return Conv("conv3x3/2 64->128 @14", 14, 64, 128, 3, 2, inputGrad: true);
        yield return Conv("conv1x1/2 64->128 @14", 14, 64, 128, 1, 2, inputGrad: true);
        yield return Conv("conv3x3 128->128 @7", 7, 128, 128, 3, 1, inputGrad: true);
        yield return BatchNorm(7, 128);
        yield return Add(7, 128);
        var pooled = Input(true, Batch, 7, 7, 128);
        var tPooled = Nchw(pooled, true);
        yield return Row($"global avg pool 7x7x128 {suffix}", () => Ops.Mean(pooled, [1, 2]), () => tPooled.mean([2, 3]));
    }

    private static long[] Dims(Tensor t)
    {
        var dims = new long[t.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = t.Shape[i];
        return dims;
    }

    /// <summary>Forward plus backward (with an upstream gradient of ones), per call.</summary>
    private static BenchmarkResult Row(string name, Func<Tensor> ours, Func<TorchTensor> theirs)
    {
        var (a, b) = Measure.SecondsPerCall(
            () =>
            {
                using (TensorScope.Begin())
                {
                    var y = ours();
                    y.Backward(Tensor.Ones(y.Shape));
                }
            },
            () =>
            {
                using var scope = torch.NewDisposeScope();
                var y = theirs();
                y.backward([torch.ones_like(y)]);
            });
        return new BenchmarkResult(name, a * 1e6, b * 1e6, BenchmarkUnit.Microseconds);
    }
}
