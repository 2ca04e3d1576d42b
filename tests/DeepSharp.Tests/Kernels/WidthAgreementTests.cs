using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

using Ops = global::DeepSharp.Ops;

/// <summary>
/// Every kernel family run at every vector width this machine has (512, 256, 128 and scalar on an AVX-512
/// machine), forced with <see cref="Simd.Force"/>, the widest width's results taken as the reference. Per-element
/// math gives the same bits at every width; sums whose order follows the width agree within rounding.
/// </summary>
public class WidthAgreementTests
{
    private static readonly SimdLevel[] Levels = [SimdLevel.Vector512, SimdLevel.Vector256, SimdLevel.Vector128, SimdLevel.Scalar];

    /// <summary>Lengths past every lane count, so each width runs whole groups and a tail; special values first.</summary>
    private static float[] Values(int seed, int count, float low, float high)
    {
        var random = new Random(seed);
        var values = new List<float> { 0f, -0f, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 1f, -1f, 3f, -3f, 6f, -6f, 30f, -30f, 100f, -100f };
        while (values.Count < count) values.Add(low + (high - low) * (float)random.NextDouble());
        return values.Take(count).ToArray();
    }

    private static float[][] AtEachWidth(Func<float[][]> run, out float[][][] others)
    {
        var results = new List<float[][]>();
        foreach (var level in Levels)
            using (Simd.Force(level))
            using (TensorScope.Begin())
                results.Add(run());
        others = results.Skip(1).ToArray();
        return results[0];
    }

    private static void Identical(string name, Func<float[][]> run)
    {
        var reference = AtEachWidth(run, out var others);
        for (int w = 0; w < others.Length; w++)
            for (int r = 0; r < reference.Length; r++)
            {
                int at = FirstDifference(reference[r], others[w][r]);
                Assert.True(at < 0, $"{name}, result {r}: at {Levels[w + 1]} element {at} is {Value(others[w][r], at):G9}, at {Levels[0]} {Value(reference[r], at):G9}.");
            }
    }

    private static void Close(string name, Func<float[][]> run, double relative = 1e-5, double absolute = 1e-5)
    {
        var reference = AtEachWidth(run, out var others);
        foreach (var other in others)
            for (int r = 0; r < reference.Length; r++)
            {
                Assert.Equal(reference[r].Length, other[r].Length);
                DeepSharp.Tests.Ops.OpAssert.Close(reference[r], other[r], relative, absolute);
            }
    }

    private static int FirstDifference(float[] a, float[] b)
    {
        if (a.Length != b.Length) return 0;
        for (int i = 0; i < a.Length; i++)
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]) && !(float.IsNaN(a[i]) && float.IsNaN(b[i]))) return i;
        return -1;
    }

    private static float Value(float[] values, int at) => at >= 0 && at < values.Length ? values[at] : float.NaN;

    /// <summary>op(x) and the gradient of Σ op(x)·g with respect to x.</summary>
    private static Func<float[][]> ForwardBackward(Func<Tensor, Tensor> op, float[] x, int seed)
    {
        var g = Values(seed, x.Length, -1f, 1f);
        return () =>
        {
            var input = Tensor.FromArray(x, x.Length).WithRequiresGrad();
            var y = op(input);
            y.Backward(Tensor.FromArray(g, x.Length));
            return [y.ToArray(), input.Grad!.ToArray()];
        };
    }

    [Fact]
    public void Activations_and_their_gradients_give_the_same_bits()
    {
        var x = Values(1, 1013, -12f, 12f);
        Identical("sigmoid", ForwardBackward(Ops.Sigmoid, x, 2));
        Identical("tanh", ForwardBackward(Ops.Tanh, x, 3));
        Identical("relu", ForwardBackward(Ops.Relu, x, 4));
        Identical("leaky_relu", ForwardBackward(t => Ops.LeakyRelu(t, 0.3f), x, 5));
        Identical("elu", ForwardBackward(t => Ops.Elu(t, 1.3f), x, 6));
        Identical("selu", ForwardBackward(Ops.Selu, x, 7));
        Identical("gelu", ForwardBackward(t => Ops.Gelu(t), x, 8));
        Identical("gelu_tanh", ForwardBackward(t => Ops.Gelu(t, approximate: true), x, 9));
        Identical("softplus", ForwardBackward(Ops.Softplus, x, 10));
        Identical("softsign", ForwardBackward(Ops.Softsign, x, 11));
        Identical("swish", ForwardBackward(Ops.Swish, x, 12));
        Identical("hard_sigmoid", ForwardBackward(Ops.HardSigmoid, x, 13));
        Identical("relu6", ForwardBackward(Ops.Relu6, x, 14));
    }

    [Fact]
    public void Elementwise_math_and_comparisons_give_the_same_bits()
    {
        var x = Values(21, 1013, -12f, 12f);
        var positive = Values(22, 1013, 0.01f, 50f).Select(MathF.Abs).Select(v => v + 1e-3f).ToArray();
        var y = Values(23, 1013, -12f, 12f);
        y[7] = x[7]; // ties for the comparisons and the maximum's shared gradient
        y[300] = x[300];
        Identical("exp", ForwardBackward(Ops.Exp, x, 24));
        Identical("sqrt", ForwardBackward(Ops.Sqrt, positive, 25));
        Identical("abs", ForwardBackward(Ops.Abs, x, 26));
        Identical("square", ForwardBackward(Ops.Square, x, 27));
        Identical("clip", ForwardBackward(t => Ops.Clip(t, -2.5f, 4f), x, 28));
        Identical("sign", () => [Ops.Sign(Tensor.FromArray(x, x.Length)).ToArray()]);
        Identical("comparisons", () =>
        {
            var a = Tensor.FromArray(x, x.Length);
            var b = Tensor.FromArray(y, y.Length);
            return [Ops.Equal(a, b).ToArray(), Ops.NotEqual(a, b).ToArray(), Ops.Greater(a, b).ToArray(), Ops.GreaterEqual(a, b).ToArray(),
                Ops.Less(a, b).ToArray(), Ops.LessEqual(a, b).ToArray(), Ops.Less(a, 0.5f).ToArray(), Ops.Where(a, b, a).ToArray()];
        });
        Identical("maximum", () =>
        {
            var a = Tensor.FromArray(x, x.Length).WithRequiresGrad();
            var b = Tensor.FromArray(y, y.Length).WithRequiresGrad();
            var m = Ops.Maximum(a, b);
            m.Backward(Tensor.FromArray(positive, positive.Length));
            return [m.ToArray(), a.Grad!.ToArray(), b.Grad!.ToArray()];
        });
    }

    [Fact]
    public void Bias_and_relu_in_one_pass_give_the_same_bits()
    {
        const int rows = 9, n = 37;
        var x = Values(31, rows * n, -2f, 2f);
        var bias = Values(32, n, -1f, 1f);
        var g = Values(33, rows * n, -1f, 1f);
        Identical("bias_relu", () =>
        {
            var input = Tensor.FromArray(x, rows, n).WithRequiresGrad();
            var b = Tensor.FromArray(bias, n).WithRequiresGrad();
            var y = Ops.BiasRelu(input, b);
            y.Backward(Tensor.FromArray(g, rows, n));
            return [y.ToArray(), input.Grad!.ToArray(), b.Grad!.ToArray()];
        });
    }

    [Fact]
    public void Reductions_agree_and_extremes_give_the_same_bits()
    {
        var x = Values(41, 23 * 45 * 7, -3f, 3f);
        Close("sums", () =>
        {
            var t = Tensor.FromArray(x, 23, 45, 7);
            return [Ops.Sum(t).ToArray(), Ops.Sum(t, 0).ToArray(), Ops.Sum(t, 1).ToArray(), Ops.Sum(t, -1).ToArray(),
                Ops.Mean(t, [0, 2]).ToArray(), Tensor.FromArray(x, x.Length).Sum().ToArray()];
        }, relative: 1e-5, absolute: 1e-4);
        Identical("extremes", () =>
        {
            var t = Tensor.FromArray(x, 23, 45, 7);
            return [Ops.Max(t).ToArray(), Ops.Max(t, 1).ToArray(), Ops.Min(t, -1).ToArray(), Ops.Min(t, [0, 2]).ToArray()];
        });
    }

    [Fact]
    public void Softmax_and_cross_entropy_agree()
    {
        foreach (var (rows, classes) in new[] { (33, 10), (7, 37) })
        {
            var x = Values(51 + classes, rows * classes, -8f, 8f);
            var g = Values(52 + classes, rows * classes, -1f, 1f);
            var labels = Enumerable.Range(0, rows).Select(r => (float)(r * 7 % classes)).ToArray();
            Close($"softmax {rows}×{classes}", () =>
            {
                var input = Tensor.FromArray(x, rows, classes).WithRequiresGrad();
                var s = Ops.Softmax(input);
                var l = Ops.LogSoftmax(input);
                (s * Tensor.FromArray(g, rows, classes) + l).Sum().Backward();
                var logits = Tensor.FromArray(x, rows, classes).WithRequiresGrad();
                var loss = Ops.SparseCategoricalCrossentropy(Tensor.FromArray(labels, rows), logits, fromLogits: true);
                loss.Backward();
                return [s.ToArray(), l.ToArray(), input.Grad!.ToArray(), loss.ToArray(), logits.Grad!.ToArray()];
            }, relative: 1e-5, absolute: 1e-6);
        }
        var middle = Values(55, 4 * 5 * 6, -8f, 8f);
        Close("softmax over a middle axis", () => [Ops.Softmax(Tensor.FromArray(middle, 4, 5, 6), axis: 1).ToArray()], relative: 1e-5, absolute: 1e-6);
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("simple_rnn")]
    public void Recurrent_sequences_agree(string cell)
    {
        var kind = cell switch { "lstm" => RecurrentCellKind.Lstm, "gru" => RecurrentCellKind.Gru, _ => RecurrentCellKind.SimpleRnn };
        int gates = (int)kind, batch = 5, steps = 6, features = 3, units = 21;
        var options = new RecurrentOptions(kind, GateActivation.Tanh, GateActivation.Sigmoid, true, true, false);
        var x = Values(61, batch * steps * features, -1f, 1f);
        var kernel = Values(62, features * gates * units, -0.5f, 0.5f);
        var recurrent = Values(63, units * gates * units, -0.5f, 0.5f);
        var bias = Values(64, (kind == RecurrentCellKind.Gru ? 2 : 1) * gates * units, -0.5f, 0.5f);
        Close(cell, () =>
        {
            var tx = Tensor.FromArray(x, batch, steps, features).WithRequiresGrad();
            var tk = Tensor.FromArray(kernel, features, gates * units).WithRequiresGrad();
            var tr = Tensor.FromArray(recurrent, units, gates * units).WithRequiresGrad();
            var tb = (kind == RecurrentCellKind.Gru ? Tensor.FromArray(bias, 2, gates * units) : Tensor.FromArray(bias, gates * units)).WithRequiresGrad();
            var y = Ops.RecurrentSequence(tx, tk, tr, tb, null, null, null, null, options, "test");
            y.Backward(Tensor.FromArray(Values(65, y.Size, -1f, 1f), y.Shape.ToArray()));
            return [y.ToArray(), tx.Grad!.ToArray(), tk.Grad!.ToArray(), tr.Grad!.ToArray(), tb.Grad!.ToArray()];
        }, relative: 1e-4, absolute: 1e-5);
    }

    [Fact]
    public void Gru_sequences_without_reset_after_agree()
    {
        // The two gate passes of reset_after=False (GruGateStep, GruStep<GruResetBefore>) at every width, with masks and recurrent dropout.
        int batch = 5, steps = 6, features = 3, units = 21;
        var options = new RecurrentOptions(RecurrentCellKind.Gru, GateActivation.Tanh, GateActivation.Sigmoid, true, true, false, ResetAfter: false);
        var x = Values(81, batch * steps * features, -1f, 1f);
        var kernel = Values(82, features * 3 * units, -0.5f, 0.5f);
        var recurrent = Values(83, units * 3 * units, -0.5f, 0.5f);
        var bias = Values(84, 3 * units, -0.5f, 0.5f);
        var mask = Enumerable.Range(0, batch * steps).Select(i => i % 4 == 2 ? 0f : 1f).ToArray();
        var drop = Enumerable.Range(0, batch * units).Select(i => i % 3 == 0 ? 0f : 1.5f).ToArray();
        Close("gru reset_after=False", () =>
        {
            var tx = Tensor.FromArray(x, batch, steps, features).WithRequiresGrad();
            var tk = Tensor.FromArray(kernel, features, 3 * units).WithRequiresGrad();
            var tr = Tensor.FromArray(recurrent, units, 3 * units).WithRequiresGrad();
            var tb = Tensor.FromArray(bias, 3 * units).WithRequiresGrad();
            var y = Ops.RecurrentSequence(tx, tk, tr, tb, null, null, Tensor.FromArray(mask, batch, steps), Tensor.FromArray(drop, batch, units), options, "test");
            y.Backward(Tensor.FromArray(Values(85, y.Size, -1f, 1f), y.Shape.ToArray()));
            return [y.ToArray(), tx.Grad!.ToArray(), tk.Grad!.ToArray(), tr.Grad!.ToArray(), tb.Grad!.ToArray()];
        }, relative: 1e-4, absolute: 1e-5);
    }

    [Fact]
    public void Image_resampling_gives_the_same_bits()
    {
        var images = Values(91, 2 * 6 * 7 * 3, 0f, 1f);
        var transform = new[] { 0.9f, -0.4f, 1.2f, 0.35f, 0.95f, -0.6f, 0f, 0f };
        Identical("resize and affine transform", () =>
        {
            var x = Tensor.FromArray(images, 2, 6, 7, 3).WithRequiresGrad();
            var y = Ops.Resize(x, 9, 4) + Ops.Resize(x, 9, 4, "nearest");
            var z = Ops.AffineTransform(x, Tensor.FromArray(transform, 8), "bilinear", "reflect");
            y.Backward(Tensor.FromArray(Values(92, y.Size, -1f, 1f), y.Shape.ToArray()));
            z.Backward(Tensor.FromArray(Values(93, z.Size, -1f, 1f), z.Shape.ToArray()));
            return [y.ToArray(), z.ToArray(), x.Grad!.ToArray()];
        });
    }

    [Fact]
    public void Optimizer_updates_give_the_same_bits()
    {
        var w0 = Values(71, 16 * 5 + 7, -1f, 1f);
        var gradients = Enumerable.Range(0, 3).Select(s => Values(72 + s, w0.Length, -1f, 1f)).ToArray();
        var optimizers = new Func<Optimizer>[]
        {
            () => new SGD(0.1f, momentum: 0.9f, nesterov: true), () => new Adam(0.01f), () => new Adam(0.01f, amsgrad: true),
            () => new AdamW(0.01f), () => new RMSprop(0.01f, momentum: 0.5f, centered: true), () => new Adagrad(0.01f),
            () => new Nadam(0.01f), () => new Adamax(0.01f), () => new Adadelta(1f),
        };
        foreach (var make in optimizers)
            Identical(make().GetType().Name, () =>
            {
                var w = Tensor.FromArray(w0, w0.Length).WithRequiresGrad();
                var optimizer = make();
                foreach (var g in gradients) optimizer.ApplyGradients([Tensor.FromArray(g, g.Length)], [w]);
                return [w.ToArray()];
            });
    }

    [Fact]
    public void Matrix_products_and_convolutions_agree()
    {
        var a = Values(81, 37 * 53, -1f, 1f);
        var b = Values(82, 53 * 29, -1f, 1f);
        Close("matmul", () =>
        {
            var ta = Tensor.FromArray(a, 37, 53).WithRequiresGrad();
            var tb = Tensor.FromArray(b, 53, 29).WithRequiresGrad();
            var y = Ops.MatMul(ta, tb);
            y.Backward(Tensor.FromArray(Values(83, 37 * 29, -1f, 1f), 37, 29));
            return [y.ToArray(), ta.Grad!.ToArray(), tb.Grad!.ToArray()];
        }, relative: 1e-5, absolute: 1e-5);

        foreach (int channels in new[] { 1, 5 })
        {
            var x = Values(84 + channels, 2 * 9 * 11 * channels, -1f, 1f);
            var kernel = Values(86 + channels, 3 * 3 * channels * 19, -0.5f, 0.5f);
            var bias = Values(88, 19, -0.5f, 0.5f);
            Close($"conv2d, {channels} channels", () =>
            {
                var tx = Tensor.FromArray(x, 2, 9, 11, channels).WithRequiresGrad();
                var tk = Tensor.FromArray(kernel, 3, 3, channels, 19).WithRequiresGrad();
                var tb = Tensor.FromArray(bias, 19).WithRequiresGrad();
                var y = Ops.Conv2D(tx, tk, tb, 1, samePadding: true, 1, relu: true, "test");
                y.Backward(Tensor.FromArray(Values(89, y.Size, -1f, 1f), y.Shape.ToArray()));
                return [y.ToArray(), tx.Grad!.ToArray(), tk.Grad!.ToArray(), tb.Grad!.ToArray()];
            }, relative: 1e-5, absolute: 1e-5);
        }
    }

    [Theory]
    [InlineData(19)]
    [InlineData(32)]
    public void Pooling_gives_the_same_bits(int channels)
    {
        var x = Values(91, 2 * 8 * 10 * channels, -2f, 2f);
        foreach (var (pool, stride) in new[] { (2, 2), (3, 2) })
            Identical($"pooling {pool}/{stride}, {channels} channels", () =>
            {
                var tx = Tensor.FromArray(x, 2, 8, 10, channels).WithRequiresGrad();
                var max = Ops.MaxPool2D(tx, pool, stride);
                var average = Ops.AveragePool2D(tx, pool, stride, "same");
                (max.Sum() + (average * average).Sum()).Backward();
                return [max.ToArray(), average.ToArray(), tx.Grad!.ToArray()];
            });
    }

    [Fact]
    public void Batch_normalization_gives_the_same_bits()
    {
        const int channels = 21;
        var x = Values(101, 6 * 5 * channels, -2f, 3f);
        var gamma = Values(102, channels, 0.5f, 1.5f);
        var beta = Values(103, channels, -0.5f, 0.5f);
        Identical("batch_norm", () =>
        {
            var tx = Tensor.FromArray(x, 6, 5, channels).WithRequiresGrad();
            var tg = Tensor.FromArray(gamma, channels).WithRequiresGrad();
            var tb = Tensor.FromArray(beta, channels).WithRequiresGrad();
            var mean = Tensor.Zeros(channels);
            var variance = Tensor.Ones(channels);
            var y = Ops.BatchNormalization(tx, mean, variance, tg, tb, training: true);
            (y * y).Sum().Backward();
            return [y.ToArray(), tx.Grad!.ToArray(), tg.Grad!.ToArray(), tb.Grad!.ToArray(), mean.ToArray(), variance.ToArray()];
        });
    }

    [Fact]
    public void Dropout_masks_are_the_same_at_every_width()
    {
        var x = Values(111, 1000, -1f, 1f);
        Identical("dropout", () => [Ops.Dropout(Tensor.FromArray(x, x.Length), 0.3f, new RandomGenerator(5)).ToArray()]);
    }
}
