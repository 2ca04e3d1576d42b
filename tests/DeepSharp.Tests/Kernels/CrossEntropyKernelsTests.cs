using DeepSharp.Kernels;

namespace DeepSharp.Tests.Kernels;

public class CrossEntropyKernelsTests
{
    private static unsafe float[] Softmax(float[] logits, int classes)
    {
        var p = new float[logits.Length];
        fixed (float* x = logits)
        fixed (float* y = p)
            SoftmaxKernel.Forward(x, y, logits.Length / classes, classes, 1, log: false);
        return p;
    }

    [Fact]
    public void The_loss_from_logits_and_softmax_keeps_small_differences_of_large_logits()
    {
        // −log softmax([1000, 999.9])[1] = log(1 + e^−0.1) + 0.1, which the log of a rounded Σ e^x would blur at 1000's precision.
        float[] logits = [1000f, 999.9f, -1000f, 999.9f, 1000f, 0f];
        var p = Softmax(logits, 3);
        double expected = Math.Log(1 + Math.Exp(-(1000.0 - 999.9f))) + (1000.0 - 999.9f);
        double sparse = CrossEntropyKernels.SparseFromSoftmax(logits, p, [1f, 0f], 3, out int invalid);
        Assert.Equal(-1, invalid);
        Assert.Equal(2 * expected, sparse, 5);
        double dense = CrossEntropyKernels.FromSoftmax(logits, p, [0f, 1f, 0f, 1f, 0f, 0f], 3);
        Assert.Equal(2 * expected, dense, 3); // Σt·x_m − t·x is taken at 1000's precision
    }

    [Fact]
    public void A_label_that_is_not_a_class_stops_the_forward_pass_and_is_skipped_by_backward()
    {
        float[] logits = [1f, 2f, 3f, 4f, 5f, 6f];
        var p = Softmax(logits, 3);
        foreach (float bad in new[] { 3f, -1f, 1.5f, float.NaN, float.PositiveInfinity })
        {
            CrossEntropyKernels.SparseFromSoftmax(logits, p, [0f, bad], 3, out int invalid);
            Assert.Equal(1, invalid);
            CrossEntropyKernels.SparseFromProbabilities(p, [bad, 0f], 3, out invalid);
            Assert.Equal(0, invalid);
            Assert.Equal(1, CrossEntropyKernels.FirstInvalidLabel([2f, bad], 3));
            var gradient = new float[6];
            CrossEntropyKernels.SparseSoftmaxBackward(p, [0f, bad], 3, 1f, gradient);
            Assert.Equal(p[4], gradient[4]); // the bad row gets no one-hot term
            CrossEntropyKernels.SparseProbabilityBackward(p, [0f, bad], 3, 1f, gradient);
            Assert.Equal([0f, 0f, 0f], gradient[3..]);
        }
    }
}
