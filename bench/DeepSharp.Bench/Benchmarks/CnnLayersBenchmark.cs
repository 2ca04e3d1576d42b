using TorchFunctional = TorchSharp.torch.nn.functional;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// Where the seed CNN's training step spends its time: each of its ops forward and backward at the model's
/// shapes (batch 32 and 128, or those of <c>--batch</c>), against the same op in TorchSharp (NCHW). The first convolution
/// has no input gradient, as in training; the others do. The convolution+pooling rows are the fused op training runs
/// where a max pooling follows a convolution. Times per call, forward plus backward.
/// </summary>
internal sealed class CnnLayersBenchmark : IBenchmark
{
    public string Name => "cnn-layers";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        foreach (int batch in options.BatchesOr(32, 128))
            foreach (int threads in options.Threads)
            {
                Parallelism.Threads = threads;
                torch.set_num_threads(threads);
                foreach (var result in Stages(batch, threads)) yield return result;
            }
    }

    private static IEnumerable<BenchmarkResult> Stages(int batch, int threads)
    {
        var rng = new RandomGenerator(3);
        Tensor Weight(params int[] shape) { using (TensorScope.Suspend()) return Tensor.RandomUniform(shape, -0.1f, 0.1f, rng).WithRequiresGrad(); }
        Tensor Input(bool grad, params int[] shape) { using (TensorScope.Suspend()) return Tensor.RandomUniform(shape, 0f, 1f, rng).WithRequiresGrad(grad); }
        TorchTensor TorchOf(Tensor t, bool grad, params long[] shape)
        {
            var v = torch.tensor(t.ToArray(), shape);
            return grad ? v.requires_grad_() : v;
        }
        string suffix = $"b{batch} t{threads}";

        var x1 = Input(false, batch, 28, 28, 1);
        var k1 = Weight(3, 3, 1, 32);
        var b1 = Weight(32);
        var tx1 = TorchOf(x1, false, batch, 1, 28, 28);
        var tk1 = torch.randn(32, 1, 3, 3).requires_grad_();
        var tb1 = torch.randn(32).requires_grad_();
        yield return Row($"conv1+relu {suffix}",
            () => Ops.Conv2D(x1, k1, b1, 1, samePadding: false, 1, relu: true, "conv1"),
            () => TorchFunctional.relu(TorchFunctional.conv2d(tx1, tk1, tb1)));

        // What training runs where a max pooling follows: the convolution and the pooling as one op (TorchSharp: both ops).
        if (Ops.FusesConvolutionPooling)
            yield return Row($"conv1+relu+maxpool1 {suffix}",
                () => Ops.Conv2DMaxPool(x1, k1, b1, 1, samePadding: false, 1, relu: true, "conv1"),
                () => TorchFunctional.max_pool2d(TorchFunctional.relu(TorchFunctional.conv2d(tx1, tk1, tb1)), 2));

        var p1 = Input(true, batch, 26, 26, 32);
        var tp1 = TorchOf(p1, true, batch, 32, 26, 26);
        yield return Row($"maxpool1 {suffix}", () => Ops.MaxPool2D(p1, 2), () => TorchFunctional.max_pool2d(tp1, 2));

        var x2 = Input(true, batch, 13, 13, 32);
        var k2 = Weight(3, 3, 32, 64);
        var b2 = Weight(64);
        var tx2 = TorchOf(x2, true, batch, 32, 13, 13);
        var tk2 = torch.randn(64, 32, 3, 3).requires_grad_();
        var tb2 = torch.randn(64).requires_grad_();
        yield return Row($"conv2+relu {suffix}",
            () => Ops.Conv2D(x2, k2, b2, 1, samePadding: false, 1, relu: true, "conv2"),
            () => TorchFunctional.relu(TorchFunctional.conv2d(tx2, tk2, tb2)));

        if (Ops.FusesConvolutionPooling)
            yield return Row($"conv2+relu+maxpool2 {suffix}",
                () => Ops.Conv2DMaxPool(x2, k2, b2, 1, samePadding: false, 1, relu: true, "conv2"),
                () => TorchFunctional.max_pool2d(TorchFunctional.relu(TorchFunctional.conv2d(tx2, tk2, tb2)), 2));

        var p2 = Input(true, batch, 11, 11, 64);
        var tp2 = TorchOf(p2, true, batch, 64, 11, 11);
        yield return Row($"maxpool2 {suffix}", () => Ops.MaxPool2D(p2, 2), () => TorchFunctional.max_pool2d(tp2, 2));

        var h = Input(true, batch, 1600);
        var w3 = Weight(1600, 128);
        var b3 = Weight(128);
        var th = TorchOf(h, true, batch, 1600);
        var tw3 = torch.randn(128, 1600).requires_grad_();
        var tb3 = torch.randn(128).requires_grad_();
        yield return Row($"dense1+relu {suffix}", () => (h.MatMul(w3) + b3).Relu(), () => TorchFunctional.relu(TorchFunctional.linear(th, tw3, tb3)));
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
