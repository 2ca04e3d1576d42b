using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

/// <summary>A training step built from the op families allocates no managed memory once warmed up.</summary>
public class AllocationTests
{
    [Fact]
    public void A_steady_state_step_through_every_family_allocates_nothing()
    {
        Tensor w, bias, x, labels;
        using (TensorScope.Suspend())
        {
            w = Tensor.RandomNormal([8, 6], std: 0.3f, generator: new RandomGenerator(1)).WithRequiresGrad();
            bias = Tensor.Zeros(6).WithRequiresGrad();
            x = Tensor.RandomNormal([4, 8], generator: new RandomGenerator(2));
            labels = Tensor.FromArray([0f, 3f, 5f, 1f]);
        }

        for (int i = 0; i < 5; i++) Step(w, bias, x, labels); // fill the pools
        Assert.Equal(0, SteadyStateAllocation.FewestBytes(() => Step(w, bias, x, labels), rounds: 6, stepsPerRound: 20));
    }

    private static void Step(Tensor w, Tensor bias, Tensor x, Tensor labels)
    {
        w.ZeroGrad();
        bias.ZeroGrad();
        using (TensorScope.Begin())
        {
            var h = x.MatMul(w) + bias;                                         // [4, 6]
            var a = h.Gelu() + h.Relu() * 0.5f + h.Tanh().Square() + h.Sigmoid().Log();
            var b = DeepSharp.Ops.Concat([a.Slice(1, 0, 3), a.Transpose().Reshape(4, 6).Slice(1, 3)], 1);
            var c = DeepSharp.Ops.Where(b.Greater(0f), b.Exp(), b.Clip(-1f, 1f)).Maximum(a.Softplus());
            var logits = DeepSharp.Ops.Stack([c, c.Permute(0, 1).Abs()], 0).Mean(0);
            var logp = logits.LogSoftmax();
            var picked = logp.Gather(labels, axis: 1).Sum(1).Unsqueeze(0).Squeeze();  // [4, 4] diagonal-ish picks
            var loss = -(picked.Mean() + logits.Softmax(0).Max(0).Sum() + logits.Expand(2, 4, 6).Min([0, 2]).Sum());
            loss.Backward();
        }
    }
}
