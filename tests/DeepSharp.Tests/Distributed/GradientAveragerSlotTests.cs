namespace DeepSharp.Tests.Distributed;

public class GradientAveragerSlotTests
{
    [Fact]
    public void Backward_writes_the_gradients_into_the_buckets_and_the_averages_stay_there()
    {
        var communicator = new TwoIdenticalRanks();
        var model = new BucketedLinearModel(communicator);
        var x = Tensor.FromArray([1f, 2f, 3f, -1f, 0.5f, 4f, 2f, -3f, 1f, 0f, 1f, -2f], 4, 3);
        for (int step = 0; step < 3; step++)
        {
            float[] expectedW, expectedB;
            using (TensorScope.Begin())
            using (DeepSharp.Autograd.NoGrad())
            {
                // d/dw sum((x·w + b)²) = 2 xᵀ(x·w + b); d/db = 2 Σ rows (x·w + b)
                var y = model.Forward(x);
                expectedW = DeepSharp.Ops.Multiply(DeepSharp.Ops.MatMul(DeepSharp.Ops.Transpose(x), y), 2f).ToArray();
                expectedB = DeepSharp.Ops.Multiply(DeepSharp.Ops.Sum(y, 0), 2f).ToArray();
            }
            using (TensorScope.Begin())
            {
                var y = model.Forward(x);
                int before = communicator.Buffers.Count;
                var averaged = model.Averaged(DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, y)));

                Assert.Equal(2, communicator.Buffers.Count - before); // buckets: {b} | {w}
                var bucketOfB = communicator.Buffers[before].Span;
                var bucketOfW = communicator.Buffers[before + 1].Span;
                Assert.Same(model.W.Grad, averaged[0]);
                Assert.Same(model.B.Grad, averaged[1]);
                Assert.True(averaged[0]!.Span.Overlaps(bucketOfW), $"step {step}: w's averaged gradient is not in its bucket");
                Assert.True(averaged[1]!.Span.Overlaps(bucketOfB), $"step {step}: b's averaged gradient is not in its bucket");
                // Two identical ranks: the average is this rank's gradient.
                Near(expectedW, averaged[0]!.ToArray());
                Near(expectedB, averaged[1]!.ToArray());
                model.Apply(averaged);
            }
        }
    }

    private static void Near(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++) Assert.True(Math.Abs(expected[k] - actual[k]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[k])), $"value {k}: expected {expected[k]}, got {actual[k]}");
    }
}
