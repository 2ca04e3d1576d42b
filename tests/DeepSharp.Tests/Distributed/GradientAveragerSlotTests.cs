namespace DeepSharp.Tests.Distributed;

public class GradientAveragerSlotTests
{
    [Fact]
    public void Backward_writes_the_gradients_into_the_buckets_and_the_averages_stay_there()
    {
        var w = Tensor.FromArray([0.5f, -1f, 2f, 0.25f, 1.5f, -0.75f], 3, 2).WithRequiresGrad();
        var b = Tensor.FromArray([0.1f, -0.2f], 2).WithRequiresGrad();
        var x = Tensor.FromArray([1f, 2f, 3f, -1f, 0.5f, 4f, 2f, -3f, 1f, 0f, 1f, -2f], 4, 3);
        var communicator = new TwoIdenticalRanks();
        var optimizer = new DistributedOptimizer(new SGD(0.1f), communicator, bucketValues: 4); // buckets: {b} | {w}
        Tensor[] variables = [w, b];
        for (int step = 0; step < 3; step++)
        {
            float[] expectedW, expectedB;
            using (TensorScope.Begin())
            using (DeepSharp.Autograd.NoGrad())
            {
                // d/dw sum((x·w + b)²) = 2 xᵀ(x·w + b); d/db = 2 Σ rows (x·w + b)
                var y = DeepSharp.Ops.Add(DeepSharp.Ops.MatMul(x, w), b);
                expectedW = DeepSharp.Ops.Multiply(DeepSharp.Ops.MatMul(DeepSharp.Ops.Transpose(x), y), 2f).ToArray();
                expectedB = DeepSharp.Ops.Multiply(DeepSharp.Ops.Sum(y, 0), 2f).ToArray();
            }
            using (TensorScope.Begin())
            {
                var y = DeepSharp.Ops.Add(DeepSharp.Ops.MatMul(x, w), b);
                var loss = DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, y));
                int before = communicator.Buffers.Count;
                var listener = optimizer.BeginExchange(variables, 1f, default, gradientsInBuckets: true);
                GradientEngine.BackwardTo(loss, null, retainGraph: false, variables, results: null, listener);
                var averaged = optimizer.EndExchange(default);

                Assert.Equal(2, communicator.Buffers.Count - before);
                var bucketOfB = communicator.Buffers[before].Span;
                var bucketOfW = communicator.Buffers[before + 1].Span;
                Assert.Same(w.Grad, averaged[0]);
                Assert.Same(b.Grad, averaged[1]);
                Assert.True(averaged[0]!.Span.Overlaps(bucketOfW), $"step {step}: w's averaged gradient is not in its bucket");
                Assert.True(averaged[1]!.Span.Overlaps(bucketOfB), $"step {step}: b's averaged gradient is not in its bucket");
                // Two identical ranks: the average is this rank's gradient.
                Near(expectedW, averaged[0]!.ToArray());
                Near(expectedB, averaged[1]!.ToArray());
                optimizer.Optimizer.ApplyGradients(averaged, variables);
                w.ZeroGrad();
                b.ZeroGrad();
            }
        }
    }

    private static void Near(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++) Assert.True(Math.Abs(expected[k] - actual[k]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[k])), $"value {k}: expected {expected[k]}, got {actual[k]}");
    }
}
