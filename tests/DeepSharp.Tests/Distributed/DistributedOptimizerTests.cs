namespace DeepSharp.Tests.Distributed;

public class DistributedOptimizerTests
{
    private const int Inputs = 4, Outputs = 2, Batch = 8, Steps = 6;

    private static (float[] X, float[] Y) Data()
    {
        var random = new Random(3);
        return ([.. Enumerable.Range(0, Steps * Batch * Inputs).Select(_ => (float)random.NextDouble() - 0.5f)],
                [.. Enumerable.Range(0, Steps * Batch * Outputs).Select(_ => (float)random.NextDouble() - 0.5f)]);
    }

    /// <summary>Trains a linear model: each of <c>c.Size</c> ranks takes its share of every batch; returns the final weights.</summary>
    private static float[][] Train(ICommunicator c, bool useGrad)
    {
        var (x, y) = Data();
        var w = Tensor.FromArray(Enumerable.Range(0, Inputs * Outputs).Select(i => (i % 3 - 1) * 0.3f + c.Rank).ToArray(), Inputs, Outputs).WithRequiresGrad();
        var b = Tensor.Full([Outputs], c.Rank).WithRequiresGrad();
        Tensor[] weights = [w, b];
        var optimizer = new DistributedOptimizer(new SGD(learningRate: 0.1f, momentum: 0.9f), c);
        optimizer.BroadcastState(weights);
        int share = Batch / c.Size;
        for (int step = 0; step < Steps; step++)
        {
            using var scope = TensorScope.Begin();
            int first = step * Batch + c.Rank * share;
            var xs = Tensor.FromArray(x.AsSpan(first * Inputs, share * Inputs), share, Inputs);
            var ys = Tensor.FromArray(y.AsSpan(first * Outputs, share * Outputs), share, Outputs);
            var loss = DeepSharp.Ops.MeanSquaredError(ys, DeepSharp.Ops.MatMul(xs, w) + b);
            if (useGrad)
            {
                loss.Backward();
                optimizer.Step(weights);
                Assert.Null(w.Grad);           // applied and cleared, as Optimizer.Step
            }
            else
            {
                using var tape = new GradientTape();
                var lossOnTape = DeepSharp.Ops.MeanSquaredError(ys, DeepSharp.Ops.MatMul(xs, w) + b);
                optimizer.ApplyGradients(tape.Gradient(lossOnTape, weights).Zip(weights));
            }
        }
        Assert.Equal(Steps, optimizer.Iterations);
        return [w.ToArray(), b.ToArray()];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Two_ranks_with_half_batches_end_where_one_rank_with_whole_batches_ends(bool useGrad)
    {
        var one = InProcessGroup.Run(1, c => Train(c, useGrad))[0];
        var two = InProcessGroup.Run(2, c => Train(c, useGrad));
        Assert.Equal(two[0], two[1]);                      // replicas identical, bit for bit
        for (int t = 0; t < one.Length; t++)
            for (int i = 0; i < one[t].Length; i++) Assert.Equal(one[t][i], two[0][t][i], 5);
    }

    [Fact]
    public void The_wrapper_exposes_the_optimizer_it_steps()
    {
        var adam = new Adam(learningRate: 0.01f);
        var optimizer = new DistributedOptimizer(adam, SingleProcessCommunicator.Instance);
        Assert.Same(adam, optimizer.Optimizer);
        Assert.Same(SingleProcessCommunicator.Instance, optimizer.Communicator);
        Assert.Equal(0.01f, optimizer.CurrentLearningRate);
        Assert.Throws<ArgumentNullException>(() => new DistributedOptimizer(null!, SingleProcessCommunicator.Instance));
    }
}
