namespace DeepSharp.Tests.Distributed;

public class WeightBroadcastTests
{
    private static Tensor[] Weights(int rank) =>
        [Tensor.Full([2, 2], rank + 1f), Tensor.FromArray([rank * 10f, -rank], 2), Tensor.Full([3], -rank)];

    [Fact]
    public void Every_rank_gets_the_roots_weights()
    {
        var results = InProcessGroup.Run(3, c =>
        {
            var weights = Weights(c.Rank);
            c.BroadcastWeights(weights, root: 1);
            return weights.Select(w => w.ToArray()).ToArray();
        });
        var expected = Weights(1).Select(w => w.ToArray()).ToArray();
        foreach (var result in results) Assert.Equal(expected, result);
    }

    [Fact]
    public void Different_weights_are_refused_on_every_rank()
    {
        var errors = InProcessGroup.Run(2, c =>
            Record.Exception(() => c.BroadcastWeights(c.Rank == 0 ? Weights(0) : Weights(1)[..2])));
        foreach (var e in errors)
            Assert.Contains("BroadcastWeights: rank(s) 1 differ from rank 0, which has 3 tensors of 9 values in all.", Assert.IsType<DistributedException>(e).Message);
    }

    [Fact]
    public void Optimizer_state_follows_the_root_and_steps_taken_must_agree()
    {
        var results = InProcessGroup.Run(2, c =>
        {
            var w = Tensor.FromArray([1f, 2f]).WithRequiresGrad();
            var adam = new Adam(learningRate: 0.1f);
            adam.ApplyGradients([Tensor.FromArray([c.Rank + 1f, -1f])], [w]);   // different moments on each rank
            c.BroadcastOptimizerState(adam);
            var moments = adam.Slots(w).Select(s => s.ToArray()).ToArray();
            if (c.Rank == 1) adam.ApplyGradients([Tensor.FromArray([1f, 1f])], [w]);   // now rank 1 is a step ahead
            var error = Record.Exception(() => c.BroadcastOptimizerState(adam));
            return (moments, error);
        });
        Assert.Equal(results[0].moments, results[1].moments);
        Assert.Equal(0.1f, results[1].moments[0][0], 6);    // rank 0's first moment: (1 − β1) · 1
        foreach (var (_, error) in results)
            Assert.Contains("rank(s) 1 differ from rank 0, which has 1 steps taken and 2 state tensors", Assert.IsType<DistributedException>(error).Message);
    }

    [Fact]
    public void Identical_replicas_pass_the_check_and_a_different_one_is_named()
    {
        var errors = InProcessGroup.Run(3, c =>
        {
            var weights = Weights(0);
            c.VerifyIdentical(weights);
            if (c.Rank == 2) weights[1][0] = BitConverter.Int32BitsToSingle(1);   // one bit off in one value
            return Record.Exception(() => c.VerifyIdentical(weights));
        });
        foreach (var e in errors)
            Assert.Contains("The weights differ from rank 0's on rank(s) 2", Assert.IsType<DistributedException>(e).Message);
    }

    [Fact]
    public void The_hash_sees_values_order_and_shapes()
    {
        var a = Tensor.FromArray([1f, 2f, 3f, 4f], 4);
        Assert.Equal(ReplicaCheck.Hash([a]), ReplicaCheck.Hash([Tensor.FromArray([1f, 2f, 3f, 4f], 4)]));
        Assert.NotEqual(ReplicaCheck.Hash([a]), ReplicaCheck.Hash([Tensor.FromArray([1f, 2f, 3f, 4.0000005f], 4)]));
        Assert.NotEqual(ReplicaCheck.Hash([a]), ReplicaCheck.Hash([Tensor.FromArray([2f, 1f, 3f, 4f], 4)]));
        Assert.NotEqual(ReplicaCheck.Hash([a]), ReplicaCheck.Hash([Tensor.FromArray([1f, 2f], 2), Tensor.FromArray([3f, 4f], 2)]));
        Assert.NotEqual(ReplicaCheck.Hash([Tensor.FromArray([0f], 1)]), ReplicaCheck.Hash([Tensor.FromArray([-0f], 1)]));
    }
}
