namespace DeepSharp.Tests;

/// <summary>The code in README.md runs as written and computes what it says.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void The_first_example_runs_and_its_gradient_is_right()
    {
        // As in README.md, "A first example".
        var w = Tensor.RandomNormal([784, 128], std: 0.05f).WithRequiresGrad();
        var x = Tensor.RandomUniform([32, 784]);
        float lossValue;
        using (TensorScope.Begin())            // everything made inside goes back to the pool at the end
        {
            var loss = x.MatMul(w).Pow(2f).Sum();
            loss.Backward();                   // w.Grad now holds d(loss)/dw
            lossValue = loss.Item();
        }

        // loss = Σ (xw)², so d(loss)/dw = 2 xᵀ(xw); check it in double precision at a few entries.
        float[] xv = x.ToArray(), wv = w.ToArray(), grad = w.Grad!.ToArray();
        var xw = new double[32 * 128];
        double expectedLoss = 0;
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 128; j++)
            {
                double s = 0;
                for (int p = 0; p < 784; p++) s += (double)xv[i * 784 + p] * wv[p * 128 + j];
                xw[i * 128 + j] = s;
                expectedLoss += s * s;
            }
        Assert.Equal(expectedLoss, lossValue, expectedLoss * 1e-5);
        foreach (var (p, j) in new[] { (0, 0), (17, 99), (783, 127), (400, 3) })
        {
            double g = 0;
            for (int i = 0; i < 32; i++) g += 2 * xv[i * 784 + p] * xw[i * 128 + j];
            Assert.Equal(g, grad[p * 128 + j], Math.Abs(g) * 1e-4 + 1e-4);
        }
    }

    [Fact]
    public void The_custom_loop_example_trains_a_functional_model_with_a_tape()
    {
        // As in README.md, "Custom training loops and the functional API".
        RandomGenerator.SetSeed(5);
        var inputs = new Input([784]);
        var hidden = new Dense(128, activation: "relu").Call(inputs);
        var outputs = new Dense(10).Call(hidden);
        var model = new Model(inputs, outputs);
        var x = Tensor.RandomUniform([32, 784], generator: new RandomGenerator(1));
        var y = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => (float)(i % 10)).ToArray());

        var optimizer = new Adam(learningRate: 1e-3);
        double first = 0, last = 0;
        for (int step = 0; step < 30; step++)
        {
            using (TensorScope.Begin())
            using (var tape = new GradientTape())
            {
                var loss = global::DeepSharp.Ops.SparseCategoricalCrossentropy(y, model.Call(x, training: true), fromLogits: true);
                var gradients = tape.Gradient(loss, model.TrainableWeights);
                optimizer.ApplyGradients(gradients, model.TrainableWeights);
                last = loss.Item();
                if (step == 0) first = last;
            }
        }
        Assert.True(last < first * 0.5, $"loss went from {first} to {last}");
    }

    [Fact]
    public void The_transformer_block_example_builds_and_runs()
    {
        // As in README.md, "Transformer blocks: attention and layer normalization".
        var tokens = new Input([16, 64]);
        var normed = new LayerNormalization().Call(tokens);
        var attended = new MultiHeadAttention(numHeads: 4, keyDim: 16).Call([normed, normed]);
        var block = new Add().Call([tokens, attended]);
        var model = new Model(tokens, block);
        Assert.Equal(new TensorShape(16, 64), block.Shape);
        var x = Tensor.RandomNormal([2, 16, 64], generator: new RandomGenerator(1));
        var y = model.Predict(x);
        Assert.Equal(new TensorShape(2, 16, 64), y.Shape);
        Assert.NotEqual(x.ToArray(), y.ToArray());
    }

    [Fact]
    public void The_data_parallel_loop_example_keeps_the_ranks_identical()
    {
        // As in README.md, "Many processes and machines", over two ranks that are threads of this process.
        var (x, y) = (Tensor.RandomUniform([40, 6], generator: new RandomGenerator(2)),
            Tensor.FromArray(Enumerable.Range(0, 40).Select(i => (float)(i % 3)).ToArray()));
        var weights = Distributed.InProcessGroup.Run(2, communicator =>
        {
            RandomGenerator.SetSeed(10 + communicator.Rank);
            var model = new Sequential(new Dense(8, inputShape: [6]), new BatchNormalization(), new Dense(3, activation: "softmax"));
            model.EnsureBuilt([6]);
            var optimizer = new DistributedOptimizer(new Adam(1e-3), communicator) { AveragedState = MovingStatistics.Of(model) };
            optimizer.BroadcastState(model.Weights);
            using var loader = new DataLoader(x, y, batchSize: 8, shuffle: true, seed: 1)
            {
                Shard = new BatchShard(communicator.Rank, communicator.Size),
            };
            foreach (var (xb, yb) in loader)
                using (TensorScope.Begin())
                {
                    global::DeepSharp.Ops.SparseCategoricalCrossentropy(yb, model.Call(xb, training: true)).Backward();
                    optimizer.ApplyGradients(model.TrainableWeights);
                }
            Assert.Equal(5, optimizer.Iterations);
            return model.GetWeights().SelectMany(w => w).ToArray();
        });
        Assert.Equal(weights[0], weights[1]);   // batch normalization's moving statistics included
    }
}
