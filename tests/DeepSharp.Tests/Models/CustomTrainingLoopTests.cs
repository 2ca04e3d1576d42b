namespace DeepSharp.Tests.Models;

/// <summary>The adversarial pattern of a GAN: a generator step computed through the discriminator.</summary>
public class CustomTrainingLoopTests
{
    private static (Sequential Generator, Sequential Discriminator) Gan(string prefix)
    {
        var generator = new Sequential(
            new Dense(8, activation: "relu", inputShape: [4], name: $"{prefix}_g1"),
            new BatchNormalization(name: $"{prefix}_gbn"),
            new Dense(6, activation: "tanh", name: $"{prefix}_g2"));
        var discriminator = new Sequential(
            new Dense(8, activation: "relu", inputShape: [6], name: $"{prefix}_d1"),
            new BatchNormalization(name: $"{prefix}_dbn"),
            new Dense(1, activation: "sigmoid", name: $"{prefix}_d2"));
        return (generator, discriminator);
    }

    [Fact]
    public void A_generator_step_through_the_discriminator_changes_only_the_generator()
    {
        var (generator, discriminator) = Gan("tape");
        var noise = Tensor.RandomNormal([16, 4], generator: new RandomGenerator(1));
        var ones = Tensor.Ones(16, 1);
        Loss bce = "binary_crossentropy";
        var optimizer = new Adam(learningRate: 0.01f);
        var discriminatorBefore = discriminator.GetWeights();
        var generatorBefore = generator.GetWeights();
        for (int step = 0; step < 3; step++)
        {
            using var scope = TensorScope.Begin();
            using var tape = new GradientTape();
            var fake = generator.Call(noise, training: true);
            var loss = bce.Compute(ones, discriminator.Call(fake, training: false));
            var grads = tape.Gradient(loss, generator.TrainableWeights);
            Assert.All(grads, g => Assert.NotNull(g));
            optimizer.ApplyGradients(grads, generator.TrainableWeights);
        }
        Assert.Equal(discriminatorBefore, discriminator.GetWeights());
        Assert.All(discriminator.Weights, w => Assert.Null(w.Grad));
        Assert.NotEqual(generatorBefore[0], generator.GetWeights()[0]);
    }

    [Fact]
    public void PyTorch_style_backward_and_step_updates_only_the_parameters_passed()
    {
        var (generator, discriminator) = Gan("torch");
        var noise = Tensor.RandomNormal([16, 4], generator: new RandomGenerator(2));
        Loss bce = "binary_crossentropy";
        var optimizer = new SGD(learningRate: 0.1f);
        var discriminatorBefore = discriminator.GetWeights();
        using (TensorScope.Begin())
        {
            generator.ZeroGrad();
            var loss = bce.Compute(Tensor.Ones(16, 1), discriminator.Call(generator.Call(noise, training: true)));
            loss.Backward();
            optimizer.Step(generator.TrainableWeights);
        }
        Assert.Equal(discriminatorBefore, discriminator.GetWeights());
        // As in PyTorch the discriminator's Grad filled up; ZeroGrad clears it before its own step.
        Assert.NotNull(discriminator.TrainableWeights[0].Grad);
        discriminator.ZeroGrad();
        Assert.All(discriminator.Weights, w => Assert.Null(w.Grad));
    }

    [Fact]
    public void Backward_with_inputs_fills_only_their_Grad_and_a_step_allocates_nothing()
    {
        var (generator, discriminator) = Gan("inputs");
        var noise = Tensor.RandomNormal([16, 4], generator: new RandomGenerator(5));
        var ones = Tensor.Ones(16, 1);
        Loss bce = "binary_crossentropy";
        var optimizer = new Adam(learningRate: 0.01f);
        var generatorWeights = generator.TrainableWeights;
        var discriminatorBefore = discriminator.GetWeights();
        void Step()
        {
            using var scope = TensorScope.Begin();
            var loss = bce.Compute(ones, discriminator.Call(generator.Call(noise, training: true), training: true));
            loss.Backward(generatorWeights);
            optimizer.Step(generatorWeights);
        }
        for (int i = 0; i < 30; i++) Step();
        Assert.All(discriminator.Weights, w => Assert.Null(w.Grad));
        Assert.Equal(discriminatorBefore.Where((_, i) => !discriminator.Weights[i].Name!.Contains("moving")),
            discriminator.GetWeights().Where((_, i) => !discriminator.Weights[i].Name!.Contains("moving")));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++) Step();
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 50;
        Assert.True(perStep < 512, $"{perStep} bytes per step");
        var e = Assert.Throws<InvalidOperationException>(() => generator.Call(noise).Backward(generatorWeights));
        Assert.Contains("scalar", e.Message);
    }

    [Fact]
    public void Keras_style_frozen_discriminator_in_a_combined_model()
    {
        var (generator, discriminator) = Gan("keras");
        discriminator.Compile(new Adam(learningRate: 0.01f), "binary_crossentropy");
        discriminator.Trainable = false;             // frozen for the combined model only: it was compiled before
        var combined = new Sequential([generator, discriminator], name: "keras_gan");
        combined.Compile(new Adam(learningRate: 0.01f), "binary_crossentropy");
        Assert.Equal(generator.TrainableWeights.Count, combined.TrainableAtCompile.Count);

        var noise = Tensor.RandomNormal([16, 4], generator: new RandomGenerator(3));
        var real = Tensor.RandomNormal([16, 6], generator: new RandomGenerator(4));
        var discriminatorBefore = discriminator.GetWeights();
        var generatorBefore = generator.GetWeights();
        combined.TrainOnBatch(noise, Tensor.Ones(16, 1));
        Assert.Equal(discriminatorBefore, discriminator.GetWeights());   // moving statistics too: frozen BN infers
        Assert.NotEqual(generatorBefore[0], generator.GetWeights()[0]);
        Assert.All(discriminator.Weights, w => Assert.Null(w.Grad));     // nothing stale for its own step

        // Its own compiled step still trains it, from this batch's gradient alone: a copy that never took
        // part in the generator step takes exactly the same step.
        var path = SaveCopy(discriminator);
        var copy = Model.Load(path);
        File.Delete(path);
        copy.Trainable = true;
        copy.Compile(new Adam(learningRate: 0.01f), "binary_crossentropy");
        copy.Trainable = false;
        discriminator.TrainOnBatch(real, Tensor.Ones(16, 1));
        copy.TrainOnBatch(real, Tensor.Ones(16, 1));
        Assert.NotEqual(discriminatorBefore[0], discriminator.GetWeights()[0]);
        Assert.Equal(copy.GetWeights(), discriminator.GetWeights());
    }

    private static string SaveCopy(Model model)
    {
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-{Guid.NewGuid():N}.dsm");
        model.Save(path);
        return path;
    }
}
