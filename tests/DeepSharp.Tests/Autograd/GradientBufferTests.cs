namespace DeepSharp.Tests.Autograd;

public class GradientBufferTests
{
    [Fact]
    public void Backward_writes_a_lent_leaf_gradient_into_the_buffer_step_after_step()
    {
        var w = Tensor.FromArray([1f, -2f, 0.5f, 3f, -1f, 2f], 2, 3).WithRequiresGrad();
        var x = Tensor.FromArray([0.5f, 1f, -1f, 2f], 2, 2);
        var buffer = new GradientBuffer(20);
        for (int step = 0; step < 3; step++)
        {
            buffer.Lend(w, 7);
            float[] expected;
            using (TensorScope.Begin())
            {
                var loss = DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(DeepSharp.Ops.MatMul(x, w), (float)(step + 1)));
                // d/dw (step+1)·sum(x·w) = (step+1)·xᵀ·ones
                expected = [.. Enumerable.Range(0, 6).Select(k => (step + 1) * (x.ToArray()[k / 3] + x.ToArray()[2 + k / 3]))];
                loss.Backward([w]);
            }
            Assert.True(buffer.Holds(w.Grad!, 7), $"step {step}: the gradient is not the buffer's values from 7 on");
            Assert.Equal(expected, buffer.Values.Span.Slice(7, 6).ToArray());
            Assert.Equal(expected, w.Grad!.ToArray());
            w.ZeroGrad();
        }
        Assert.All(buffer.Values.Span[..7].ToArray(), v => Assert.Equal(0f, v));
        Assert.All(buffer.Values.Span[13..].ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void A_leaf_that_already_has_a_gradient_keeps_accumulating_into_its_own()
    {
        var w = Tensor.FromArray([1f, 2f], 2).WithRequiresGrad();
        using (TensorScope.Begin()) DeepSharp.Ops.Sum(w).Backward();
        var own = w.Grad!;
        var buffer = new GradientBuffer(4);
        buffer.Lend(w, 0);
        using (TensorScope.Begin()) DeepSharp.Ops.Sum(w).Backward();
        Assert.Same(own, w.Grad);
        Assert.False(buffer.Holds(w.Grad!, 0));
        Assert.Equal([2f, 2f], w.Grad!.ToArray());
        Assert.Equal([0f, 0f, 0f, 0f], buffer.Values.ToArray());
    }

    [Fact]
    public void A_part_that_does_not_fit_is_refused()
    {
        var w = Tensor.Zeros(5).WithRequiresGrad();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new GradientBuffer(8).Lend(w, 4));
        Assert.Contains("do not fit", e.Message);
    }
}
