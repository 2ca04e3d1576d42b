using DeepSharp.Examples;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Models;

/// <summary>
/// Predict's low-overhead path (<see cref="Model.Predict(Tensor, Tensor)"/>, and the batches of Predict): the same bits
/// as the model's Call at inference on every kind of layer, no managed allocation once warm, and safe from several threads.
/// </summary>
public class InferencePlanTests
{
    public static TheoryData<string> Models
    {
        get
        {
            var names = new TheoryData<string>();
            foreach (var name in ModelZoo.Names) names.Add(name);
            foreach (var name in new[] { "seed cnn", "mlp generator", "mlp discriminator", "dcgan discriminator" }) names.Add(name);
            return names;
        }
    }

    private static Model Build(string name) => name switch
    {
        "seed cnn" => SeedModels.Cnn(),
        "mlp generator" => GanModels.MlpGenerator(),
        "mlp discriminator" => GanModels.MlpDiscriminator(),
        "dcgan discriminator" => GanModels.DcganDiscriminator(),
        _ => ModelZoo.Build(name),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Predict_into_an_output_gives_the_bits_of_call_at_inference(string name)
    {
        RandomGenerator.SetSeed(3);
        var model = Build(name);
        MoveBatchNormStatistics(model);
        foreach (int batch in new[] { 1, 3 })
        {
            var x = ModelZoo.SampleInput(model, batch);
            float[] expected;
            using (global::DeepSharp.Autograd.NoGrad()) expected = model.Call(x, training: false).ToArray();
            var output = Tensor.Zeros(OutputShape(model, x));
            // The first call of a shape plans through Call; the later ones run the plan.
            for (int call = 0; call < 3; call++)
            {
                output.CopyFrom(Enumerable.Repeat(float.NaN, output.Size).ToArray());
                model.Predict(x, output);
                AssertSameBits(expected, output.ToArray(), $"{name}, batch {batch}, call {call}");
            }
            AssertSameBits(expected, model.Predict(x, batchSize: 32, verbose: 0).ToArray(), $"{name}, batch {batch}, Predict");
        }
    }

    [Theory]
    [InlineData(1, "relu", 2)]
    [InlineData(3, "linear", 2)]
    [InlineData(2, "relu", 3)]
    [InlineData(1, "sigmoid", 2)]
    public void A_convolution_and_the_max_pooling_after_it_run_as_one_step_where_call_fuses_them(int batch, string activation, int pool)
    {
        RandomGenerator.SetSeed(7);
        // Odd sizes: the first convolution's 7×6 output leaves a last row that no 2×2 window covers, the second's 3×3 (or
        // 2×2 after a 3×3 pool; Winograd where the machine has it) a last row and column.
        var model = new Sequential(
            new Conv2D(8, 3, activation: activation, inputShape: [9, 8, 3]),
            new MaxPooling2D(pool),
            new Conv2D(17, 3, padding: "same", activation: "relu"),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(4));
        var x = Tensor.RandomUniform([batch, 9, 8, 3], -1f, 1f, new RandomGenerator(8));
        float[] expected;
        using (global::DeepSharp.Autograd.NoGrad()) expected = model.Call(x, training: false).ToArray();
        var output = Tensor.Zeros(batch, 4);
        for (int call = 0; call < 3; call++)
        {
            model.Predict(x, output);
            AssertSameBits(expected, output.ToArray(), $"call {call}");
        }
        // The second pair always fuses where the machine runs the fused kernel; the first only with a 2×2 pool after a
        // ReLU or linear convolution.
        int fused = (pool == 2 && activation != "sigmoid" ? 1 : 0) + 1;
        Assert.Equal(global::DeepSharp.Ops.FusesConvolutionPooling ? fused : 0, model.InferencePlanFor(x.Shape)!.PooledSteps);

        // A kernel changed in place (the second convolution takes Winograd, whose transform inference keeps) is seen. The
        // expected values come from a call that records for gradients, which never uses a kept transform.
        var kernel = ((Conv2D)model.Layers[2]).Kernel;
        kernel.CopyFrom(kernel.ToArray().Select((v, i) => i % 3 == 0 ? -v : v).ToArray());
        using (TensorScope.Begin()) expected = model.Call(x, training: false).ToArray();
        model.Predict(x, output);
        AssertSameBits(expected, output.ToArray(), "after the kernel changed");
    }

    [Theory]
    [InlineData("mlp", 1)]
    [InlineData("mlp", 32)]
    [InlineData("cnn", 1)]
    [InlineData("cnn", 32)]
    public void Predict_into_an_output_allocates_nothing_once_warm(string kind, int batch)
    {
        RandomGenerator.SetSeed(1);
        Model model = kind == "mlp" ? SeedModels.Mlp() : SeedModels.Cnn();
        var x = Tensor.RandomUniform(kind == "mlp" ? [batch, 28, 28] : [batch, 28, 28, 1], generator: new RandomGenerator(2));
        var output = Tensor.Zeros(batch, 10);
        for (int i = 0; i < 50; i++) model.Predict(x, output);
        long bytes = SteadyStateAllocation.FewestBytes(() => model.Predict(x, output), rounds: 5, stepsPerRound: 100);
        Assert.True(bytes < 1024, $"{bytes} bytes over 100 calls");
    }

    [Fact]
    public void Threads_predicting_on_one_model_at_once_get_their_own_results()
    {
        RandomGenerator.SetSeed(4);
        var model = SeedModels.Cnn();
        var inputs = new[] { 1, 2 }.Select(seed => Tensor.RandomUniform([2, 28, 28, 1], generator: new RandomGenerator(seed))).ToArray();
        var expected = inputs.Select(x => model.Predict(x, verbose: 0).ToArray()).ToArray();
        var failures = new List<string>();
        using var start = new Barrier(inputs.Length);
        var threads = inputs.Select((x, t) => new Thread(() =>
        {
            try
            {
                var output = Tensor.Zeros(2, 10);
                start.SignalAndWait(TimeSpan.FromMinutes(5));
                for (int i = 0; i < 200; i++)
                {
                    model.Predict(x, output);
                    if (!output.ToArray().SequenceEqual(expected[t])) lock (failures) failures.Add($"thread {t}, call {i}");
                }
            }
            catch (Exception e)
            {
                lock (failures) failures.Add($"thread {t}: {e}");
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) Assert.True(thread.Join(TimeSpan.FromMinutes(10)), "a predicting thread did not finish");
        Assert.Empty(failures);
    }

    [Fact]
    public void A_layer_added_after_predicting_takes_part_in_the_next_prediction()
    {
        RandomGenerator.SetSeed(5);
        var model = new Sequential(new Flatten(inputShape: [3, 2]), new Dense(4, activation: "relu"));
        var x = Tensor.RandomUniform([2, 3, 2], generator: new RandomGenerator(6));
        model.Predict(x, Tensor.Zeros(2, 4));
        model.Predict(x, Tensor.Zeros(2, 4));
        model.Add(new Dense(2));
        var output = Tensor.Zeros(2, 2);
        model.Predict(x, output);
        using (global::DeepSharp.Autograd.NoGrad()) AssertSameBits(model.Call(x).ToArray(), output.ToArray(), "after Add");
    }

    [Fact]
    public void An_output_of_the_wrong_shape_is_refused_with_both_shapes()
    {
        var model = SeedModels.Mlp();
        var x = Tensor.Zeros(2, 28, 28);
        var error = Assert.Throws<ArgumentException>(() => model.Predict(x, Tensor.Zeros(2, 9)));
        Assert.Contains("(2, 10)", error.Message);
        Assert.Contains("(2, 9)", error.Message);
        Assert.Throws<ArgumentException>(() => model.Predict(x, Tensor.Zeros(10, 2).Transpose(0, 1)));
    }

    private static TensorShape OutputShape(Model model, Tensor x)
    {
        using (TensorScope.Begin())
        using (global::DeepSharp.Autograd.NoGrad())
            return model.Call(x, training: false).Shape;
    }

    /// <summary>Gives every batch normalization moving statistics away from their start (mean 0, variance 1).</summary>
    private static void MoveBatchNormStatistics(Model model)
    {
        var random = new RandomGenerator(9);
        foreach (var weight in model.Weights)
        {
            if (weight.Name?.EndsWith("moving_mean", StringComparison.Ordinal) == true)
                weight.CopyFrom(Tensor.RandomNormal(weight.Shape, std: 0.3f, generator: random).ToArray());
            else if (weight.Name?.EndsWith("moving_variance", StringComparison.Ordinal) == true)
                weight.CopyFrom(Tensor.RandomUniform(weight.Shape, 0.5f, 1.5f, generator: random).ToArray());
        }
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, Call gives {expected[i]:R}.");
    }
}
