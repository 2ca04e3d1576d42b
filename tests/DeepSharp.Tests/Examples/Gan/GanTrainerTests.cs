using DeepSharp.Examples;
using DeepSharp.Tests.Distributed;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Examples.Gan;

using Ops = global::DeepSharp.Ops;

public class GanTrainerTests
{
    private static GanTrainer Trainer(string architecture, long seed = 1)
    {
        RandomGenerator.SetSeed(seed);
        return new GanTrainer(GanModels.Generator(architecture), GanModels.Discriminator(architecture),
            GanModels.Optimizer(), GanModels.Optimizer(), GanModels.NoiseDim, seed: seed);
    }

    private static Tensor RealImages(int count, long seed) =>
        Tensor.RandomUniform([count, 28, 28, 1], -1f, 1f, new RandomGenerator(seed));

    [Theory]
    [InlineData("mlp")]
    [InlineData("dcgan")]
    public void A_generator_step_changes_the_generator_and_leaves_the_discriminator_alone(string architecture)
    {
        var trainer = Trainer(architecture);
        trainer.TrainDiscriminator(RealImages(4, 2), trainer.Generate(trainer.SampleNoise(4))); // gives Adam state and gradients a history
        var discriminatorBefore = trainer.Discriminator.GetWeights();
        var generatorBefore = trainer.Generator.GetWeights();

        double loss = trainer.TrainGenerator(trainer.SampleNoise(4));

        Assert.True(double.IsFinite(loss) && loss > 0, $"loss {loss}");
        var discriminatorAfter = trainer.Discriminator.GetWeights();
        for (int i = 0; i < discriminatorBefore.Length; i++) Assert.Equal(discriminatorBefore[i], discriminatorAfter[i]);
        Assert.All(trainer.Discriminator.Weights, w => Assert.Null(w.Grad)); // nothing left over for its next step
        var generatorAfter = trainer.Generator.GetWeights();
        var trainable = trainer.Generator.Weights.Select(w => w.RequiresGrad).ToArray();
        for (int i = 0; i < generatorBefore.Length; i++)
            if (trainable[i]) Assert.NotEqual(generatorBefore[i], generatorAfter[i]);
        Assert.Equal(1, trainer.GeneratorOptimizer.Iterations);
        Assert.Equal(1, trainer.DiscriminatorOptimizer.Iterations);
    }

    [Fact]
    public void Over_two_ranks_each_trains_on_its_own_images_and_noise_and_both_models_stay_identical()
    {
        var results = InProcessGroup.Run(2, c =>
        {
            RandomGenerator.SetSeed(20 + c.Rank);   // different initial weights: the trainer starts both ranks from rank 0's
            var trainer = new GanTrainer(GanModels.Generator("dcgan"), GanModels.Discriminator("dcgan"), GanModels.Optimizer(), GanModels.Optimizer(),
                GanModels.NoiseDim, seed: 1, communicator: c);
            var noise = trainer.SampleNoise(2).ToArray();
            var losses = new List<(double, double)>();
            for (int step = 0; step < 3; step++) losses.Add(trainer.TrainStep(RealImages(4, 10 * step + c.Rank)));
            return (Noise: noise, Losses: losses, Generator: trainer.Generator.GetWeights(), Discriminator: trainer.Discriminator.GetWeights(),
                Statistics: MovingStatistics.Of(trainer.Generator).Count);
        });
        Assert.NotEqual(results[0].Noise, results[1].Noise);               // each rank draws its own noise
        Assert.Equal(results[0].Losses, results[1].Losses);                // the losses of both ranks, averaged
        Assert.Equal(results[0].Generator.SelectMany(w => w), results[1].Generator.SelectMany(w => w));   // moving statistics included
        Assert.Equal(results[0].Discriminator.SelectMany(w => w), results[1].Discriminator.SelectMany(w => w));
        Assert.Equal(4, results[0].Statistics);                            // the DCGAN generator's two batch normalizations
    }

    [Fact]
    public void A_discriminator_step_changes_only_the_discriminator()
    {
        var trainer = Trainer("mlp");
        var generatorBefore = trainer.Generator.GetWeights();
        var discriminatorBefore = trainer.Discriminator.GetWeights();
        var fake = trainer.Generator.Call(trainer.SampleNoise(4), training: true); // with a graph: the step must not follow it

        double loss = trainer.TrainDiscriminator(RealImages(4, 3), fake);

        Assert.True(double.IsFinite(loss));
        var generatorAfter = trainer.Generator.GetWeights();
        for (int i = 0; i < generatorBefore.Length; i++) Assert.Equal(generatorBefore[i], generatorAfter[i]);
        Assert.All(trainer.Generator.Weights, w => Assert.Null(w.Grad));
        Assert.NotEqual(discriminatorBefore[0], trainer.Discriminator.GetWeights()[0]);
    }

    [Fact]
    public void Train_step_updates_both_models_once_and_learns_to_tell_a_fixed_pattern_from_noise()
    {
        var trainer = Trainer("mlp");
        var real = Tensor.Full([16, 28, 28, 1], 0.5f);
        var first = trainer.TrainStep(real);
        (double Discriminator, double Generator) last = first;
        for (int i = 0; i < 5; i++) last = trainer.TrainStep(real);
        Assert.Equal(6, trainer.GeneratorOptimizer.Iterations);
        Assert.Equal(6, trainer.DiscriminatorOptimizer.Iterations);
        Assert.True(double.IsFinite(last.Discriminator) && double.IsFinite(last.Generator));
        Assert.True(first.Discriminator > 1.2, $"an untrained discriminator guesses: loss near 2·ln 2, got {first.Discriminator}");
        Assert.True(last.Discriminator < first.Discriminator, $"discriminator loss {first.Discriminator} → {last.Discriminator}");
    }

    [Fact]
    public void Noise_of_the_wrong_width_is_refused_with_both_shapes()
    {
        var trainer = Trainer("dcgan");
        var wrong = Tensor.Zeros(8, 64);
        var e = Assert.Throws<ArgumentException>(() => trainer.Generate(wrong));
        Assert.Contains("(None, 100)", e.Message);
        Assert.Contains(new TensorShape(8, 64).ToString(), e.Message);
        Assert.Contains("generator", e.Message);
        Assert.Throws<ArgumentException>(() => trainer.TrainGenerator(wrong));
        Assert.Throws<ArgumentException>(() => trainer.Generate(Tensor.Zeros(100)));
    }

    [Fact]
    public void Real_images_of_another_shape_and_mismatched_models_are_refused()
    {
        var trainer = Trainer("mlp");
        var e = Assert.Throws<ArgumentException>(() => trainer.TrainStep(Tensor.Zeros(4, 28, 28)));
        Assert.Contains("(None, 28, 28, 1)", e.Message);
        Assert.Contains(new TensorShape(4, 28, 28).ToString(), e.Message);

        var notOneLogit = new Sequential(new Flatten(inputShape: [28, 28, 1]), new Dense(2));
        var mismatch = Assert.Throws<ArgumentException>(() =>
            new GanTrainer(GanModels.MlpGenerator(), notOneLogit, GanModels.Optimizer(), GanModels.Optimizer()));
        Assert.Contains("one logit", mismatch.Message);
        var shared = GanModels.Optimizer();
        Assert.Throws<ArgumentException>(() => new GanTrainer(GanModels.MlpGenerator(), GanModels.MlpDiscriminator(), shared, shared));
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("dcgan")]
    public void Steps_give_the_same_losses_and_weights_with_one_and_two_threads(string architecture)
    {
        var real = RealImages(192, 3);
        ThreadCounts.SameBits(architecture, () =>
        {
            var trainer = Trainer(architecture, seed: 42);
            var losses = new List<float>();
            for (int step = 0; step < 3; step++)
            {
                var (discriminator, generator) = trainer.TrainStep(Ops.Slice(real, 0, 64 * step, 64 * step + 64));
                foreach (double loss in new[] { discriminator, generator })
                {
                    long bits = BitConverter.DoubleToInt64Bits(loss);
                    losses.Add(BitConverter.Int32BitsToSingle((int)bits));
                    losses.Add(BitConverter.Int32BitsToSingle((int)(bits >> 32)));
                }
            }
            return [losses.ToArray(), .. trainer.Generator.GetWeights(), .. trainer.Discriminator.GetWeights()];
        }, 1, 2);
    }
}
