using DeepSharp.Examples;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Models;

/// <summary>
/// A functional model's residual add and the layer normalization of its sum run as one op
/// (<see cref="LayerNormalization.FusesResidual"/>): the fused op is the one that runs, training gives the bits of the two
/// layers apart (the vit example, several steps, at 1, 2 and 3 threads), pairs that do not fuse fall back, and the fused
/// op allocates nothing of its own.
/// </summary>
public class ResidualNormFusionTests
{
    private static Setting<bool> Fused(bool on) => new(() => LayerNormalization.FusesResidual, v => LayerNormalization.FusesResidual = v, on);

    private static (Tensor X, Tensor Y) Batch(int samples)
    {
        var x = Tensor.RandomUniform([samples, 28, 28], 0f, 1f, new RandomGenerator(31));
        var labels = new float[samples];
        for (int i = 0; i < samples; i++) labels[i] = i % 10;
        return (x, Tensor.FromArray(labels, samples));
    }

    private static float[][] TrainVit(bool fused, int steps = 3)
    {
        using var _ = Fused(fused);
        RandomGenerator.SetSeed(5);
        var model = SeedModels.Vit(10, blocks: 2, features: 16);
        model.Compile(new Adam(learningRate: 1e-2f), "sparse_categorical_crossentropy");
        var (x, y) = Batch(24);
        var losses = new float[steps];
        for (int s = 0; s < steps; s++) losses[s] = (float)model.TrainOnBatch(x, y)["loss"];
        return [losses, .. model.Weights.Select(w => w.ToArray()), model.Predict(x, verbose: 0).ToArray()];
    }

    [Fact]
    public void The_vit_trains_to_the_bits_of_the_layers_apart() =>
        ThreadCounts.Identical("vit, residual add + layer norm fused against apart", TrainVit(false), TrainVit(true));

    [Fact]
    public void The_fused_vit_has_the_same_bits_at_any_thread_count() =>
        ThreadCounts.SameBits("vit with fused residual layer norms", () => TrainVit(true, steps: 2));

    /// <summary>x → Dense → (x + dense) → LayerNormalization, with the sum as a second output.</summary>
    private static Model Block(int axis = -1)
    {
        var inputs = new Input([6, 8], name: "block_in");
        var branch = new Dense(8, name: "block_dense").Call(inputs);
        var sum = new Add(name: "block_add").Call([inputs, branch]);
        var normed = new LayerNormalization(axis, name: "block_norm").Call(sum);
        return new Model([inputs], [sum, normed], name: "block");
    }

    private static (string? Sum, string? Normed, float[] Values) CallBlock(Model model)
    {
        var x = Tensor.RandomNormal([5, 6, 8], generator: new RandomGenerator(9));
        var outputs = model.Call([x], training: true);
        return (outputs[0].GradFunction, outputs[1].GradFunction, [.. outputs[0].ToArray(), .. outputs[1].ToArray()]);
    }

    [Fact]
    public void The_add_and_the_layer_norm_after_it_run_as_one_op()
    {
        var model = Block();
        var (sum, normed, values) = CallBlock(model);
        Assert.Equal("add_layer_normalization", sum);
        Assert.Equal("layer_normalization", normed);
        using (Fused(false))
        {
            var (apartSum, apartNormed, apartValues) = CallBlock(model);
            Assert.Equal("add", apartSum);
            Assert.Equal("layer_normalization", apartNormed);
            Assert.Equal(apartValues, values);
        }
    }

    [Fact]
    public void A_layer_norm_over_another_axis_is_called_apart()
    {
        var model = Block(axis: 1);
        var (sum, _, values) = CallBlock(model);
        Assert.Equal("add", sum);
        using (Fused(false)) Assert.Equal(CallBlock(model).Values, values);
    }

    /// <summary>
    /// A warmed-up vit step allocates nothing, with the fusion on or off (the Reshape layers and the attention's absent masks
    /// once took 72 and 32 bytes a call).
    /// </summary>
    [Fact]
    public void A_steady_vit_step_allocates_nothing_fused_or_not()
    {
        long Bytes(bool fused)
        {
            using var _ = Fused(fused);
            RandomGenerator.SetSeed(6);
            var model = SeedModels.Vit(10, blocks: 1, features: 16);
            model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy");
            var (x, y) = Batch(16);
            for (int i = 0; i < 5; i++) model.TrainOnBatch(x, y);
            return SteadyStateAllocation.FewestBytes(() => model.TrainOnBatch(x, y), rounds: 10, stepsPerRound: 10);
        }

        Assert.Equal(0, Bytes(true));
        Assert.Equal(0, Bytes(false));
    }
}
