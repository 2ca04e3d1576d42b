namespace DeepSharp.Examples;

/// <summary>
/// The adversarial training step of a GAN, as the DCGAN tutorials of Keras and PyTorch write it: the generator
/// turns a noise batch into images; the discriminator takes one step to tell the real batch (target 1, or the
/// smoothed <see cref="RealLabel"/>) from those images (target 0); then the generator takes one step to make the
/// freshly updated discriminator call its images real. Both models end in a logit, the loss is binary
/// cross-entropy on logits (the numerically stable form of a sigmoid output with BCE).
/// </summary>
/// <remarks>
/// <para>Over several ranks (a <see cref="Communicator"/> of more than one, as under mpirun) it trains data-parallel, as
/// Horovod trains a GAN: every rank starts from rank 0's weights, takes its own part of each real batch and draws its
/// own noise, and each of the two steps averages its gradients over the ranks with a <see cref="DistributedOptimizer"/>
/// (the generator's batch normalization statistics ride along), so both models stay identical on every rank.</para>
/// The generator runs once per step: the discriminator step sees its images through <see cref="Tensor.Detach"/>,
/// and the generator step backpropagates through the same images. The generator step's backward pass goes through
/// the discriminator but computes gradients of the generator's weights only, and only those are stepped, so a
/// generator step leaves the discriminator as it was. <c>examples/Gan</c> runs this step in a loop of its own.
/// </remarks>
public sealed class GanTrainer
{
    private readonly IReadOnlyList<Tensor> _generatorWeights;
    private readonly IReadOnlyList<Tensor> _discriminatorWeights;
    private readonly RandomGenerator _random;
    private readonly DistributedOptimizer? _generatorStep, _discriminatorStep; // over several ranks
    private Tensor? _realTargets, _fakeTargets, _generatorTargets;

    /// <summary>Creates the trainer; the models are built now, and their trainable weights fixed (as Keras' compile).</summary>
    /// <param name="generator">Maps noise (batch, <paramref name="noiseDim"/>) to images.</param>
    /// <param name="discriminator">Maps images to one logit per image, (batch, 1).</param>
    /// <param name="generatorOptimizer">Updates the generator's weights.</param>
    /// <param name="discriminatorOptimizer">Updates the discriminator's weights.</param>
    /// <param name="noiseDim">The width of a noise vector.</param>
    /// <param name="realLabel">The target for real images: 1, or e.g. 0.9 for one-sided label smoothing.</param>
    /// <param name="seed">Seed of the noise batches (rank r of several draws from seed + r).</param>
    /// <param name="communicator">
    /// The ranks to train over (default: <see cref="DeepSharp.Communicator.Start"/>, every rank under mpirun, else this
    /// process alone). Over several, the constructor broadcasts rank 0's weights (a collective) and each rank passes its own
    /// part of every real batch to <see cref="TrainStep"/>.
    /// </param>
    public GanTrainer(Model generator, Model discriminator, Optimizer generatorOptimizer, Optimizer discriminatorOptimizer,
        int noiseDim = 100, float realLabel = 1f, long seed = 0, ICommunicator? communicator = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(discriminator);
        ArgumentNullException.ThrowIfNull(generatorOptimizer);
        ArgumentNullException.ThrowIfNull(discriminatorOptimizer);
        if (ReferenceEquals(generator, discriminator))
            throw new ArgumentException("GanTrainer: the generator and the discriminator must be two different models.", nameof(discriminator));
        if (ReferenceEquals(generatorOptimizer, discriminatorOptimizer))
            throw new ArgumentException("GanTrainer: give the generator and the discriminator an optimizer each (Adam keeps per-weight state and counts steps).",
                nameof(discriminatorOptimizer));
        if (noiseDim < 1)
            throw new ArgumentOutOfRangeException(nameof(noiseDim), noiseDim, $"GanTrainer: noiseDim must be at least 1; got {noiseDim}.");
        if (!(realLabel > 0.5f && realLabel <= 1f))
            throw new ArgumentOutOfRangeException(nameof(realLabel), realLabel, $"GanTrainer: realLabel must be in (0.5, 1]; got {realLabel}.");
        Generator = generator;
        Discriminator = discriminator;
        GeneratorOptimizer = generatorOptimizer;
        DiscriminatorOptimizer = discriminatorOptimizer;
        NoiseDim = noiseDim;
        RealLabel = realLabel;
        Communicator = communicator ?? DeepSharp.Communicator.Start();
        _random = new RandomGenerator(seed + Communicator.Rank);

        generator.EnsureBuilt([noiseDim]);
        var imageShape = generator.ComputeOutputShape([noiseDim]);
        var logitShape = discriminator.ComputeOutputShape(imageShape);
        if (logitShape != new TensorShape(1))
            throw new ArgumentException(
                $"GanTrainer: the discriminator must give one logit per image, output {Layer.FormatBatch(new TensorShape(1))}; " +
                $"for the generator's images {Layer.FormatBatch(imageShape)} it gives {Layer.FormatBatch(logitShape)}.", nameof(discriminator));
        discriminator.EnsureBuilt(imageShape);
        ImageShape = imageShape;
        _generatorWeights = generator.TrainableWeights;
        _discriminatorWeights = discriminator.TrainableWeights;
        if (Communicator.Size > 1)
        {
            _generatorStep = new DistributedOptimizer(generatorOptimizer, Communicator) { AveragedState = MovingStatistics.Of(generator) };
            _discriminatorStep = new DistributedOptimizer(discriminatorOptimizer, Communicator) { AveragedState = MovingStatistics.Of(discriminator) };
            _generatorStep.BroadcastState(generator.Weights);
            _discriminatorStep.BroadcastState(discriminator.Weights);
        }
    }

    /// <summary>The ranks the two models train over (one: this process alone).</summary>
    public ICommunicator Communicator { get; }

    /// <summary>The generator.</summary>
    public Model Generator { get; }

    /// <summary>The discriminator.</summary>
    public Model Discriminator { get; }

    /// <summary>The generator's optimizer.</summary>
    public Optimizer GeneratorOptimizer { get; }

    /// <summary>The discriminator's optimizer.</summary>
    public Optimizer DiscriminatorOptimizer { get; }

    /// <summary>The width of a noise vector.</summary>
    public int NoiseDim { get; }

    /// <summary>The per-image shape the generator makes.</summary>
    public TensorShape ImageShape { get; }

    /// <summary>The discriminator's target for real images.</summary>
    public float RealLabel { get; }

    /// <summary>
    /// One discriminator step and one generator step on a batch of real images (shaped as the generator's
    /// output, values in its range); returns both losses: the discriminator's is the sum of its losses on the
    /// real and the generated batch, the generator's is BCE(1, D(G(z))). The generator runs once: both steps
    /// use the same generated batch. Over several ranks each passes its own part of the batch (a collective: every rank
    /// calls it, with as many images) and every rank gets the losses averaged over the ranks, so that all see the same
    /// values (a loss that is not finite on one rank is not finite on all).
    /// </summary>
    public (double Discriminator, double Generator) TrainStep(Tensor realImages)
    {
        CheckImages(realImages, "TrainStep", nameof(realImages));
        int batch = realImages.Shape[0];
        using (TensorScope.Begin()) // recycles this step's tensors
        {
            var generated = Generator.Call(SampleNoise(batch), training: true);
            // Detach: the discriminator's step sends no gradient into the generator.
            double discriminatorLoss = DiscriminatorStep(realImages, generated.Detach());
            double generatorLoss = GeneratorStep(generated);
            if (Communicator.Size == 1) return (discriminatorLoss, generatorLoss);
            Span<float> losses = [(float)discriminatorLoss, (float)generatorLoss];
            Communicator.AllReduce(losses, ReduceOperation.Average);
            return (losses[0], losses[1]);
        }
    }

    /// <summary>Discriminator: real images toward <see cref="RealLabel"/>, generated ones toward 0.</summary>
    private double DiscriminatorStep(Tensor realImages, Tensor generatedImages)
    {
        var realLogits = Discriminator.Call(realImages, training: true);
        var fakeLogits = Discriminator.Call(generatedImages, training: true);
        var loss = Ops.BinaryCrossentropy(Targets(ref _realTargets, realImages.Shape[0], RealLabel), realLogits, fromLogits: true)
            + Ops.BinaryCrossentropy(Targets(ref _fakeTargets, generatedImages.Shape[0], 0f), fakeLogits, fromLogits: true);
        double value = loss.Item();
        loss.Backward();
        if (_discriminatorStep is not null) _discriminatorStep.ApplyGradients(_discriminatorWeights);
        else DiscriminatorOptimizer.ApplyGradients(_discriminatorWeights);
        return value;
    }

    /// <summary>
    /// Generator: make the discriminator say "real". Gradients flow through the discriminator into the generator's
    /// weights only (PyTorch's <c>backward(inputs=...)</c>), and only those are stepped.
    /// </summary>
    private double GeneratorStep(Tensor generatedImages)
    {
        var judged = Discriminator.Call(generatedImages, training: true);
        var loss = Ops.BinaryCrossentropy(Targets(ref _generatorTargets, generatedImages.Shape[0], 1f), judged, fromLogits: true);
        double value = loss.Item();
        loss.Backward(_generatorWeights);
        if (_generatorStep is not null) _generatorStep.ApplyGradients(_generatorWeights);
        else GeneratorOptimizer.ApplyGradients(_generatorWeights);
        return value;
    }

    /// <summary>
    /// One discriminator step alone: real images toward <see cref="RealLabel"/>, generated images toward 0
    /// (no gradient reaches the generator). Returns the summed loss.
    /// </summary>
    public double TrainDiscriminator(Tensor realImages, Tensor generatedImages)
    {
        CheckImages(realImages, "TrainDiscriminator", nameof(realImages));
        CheckImages(generatedImages, "TrainDiscriminator", nameof(generatedImages));
        using (TensorScope.Begin()) return DiscriminatorStep(realImages, generatedImages.Detach());
    }

    /// <summary>
    /// One generator step alone on <paramref name="noise"/> (count, <see cref="NoiseDim"/>): the images it makes are
    /// judged by the discriminator and pushed toward "real". Only the generator's weights change. Returns the loss.
    /// </summary>
    public double TrainGenerator(Tensor noise)
    {
        CheckNoise(Generator, noise);
        using (TensorScope.Begin()) return GeneratorStep(Generator.Call(noise, training: true));
    }

    private void CheckImages(Tensor images, string method, string argument)
    {
        ArgumentNullException.ThrowIfNull(images, argument);
        if (images.Rank == 0 || images.Shape[0] == 0 || new TensorShape(images.Shape.Dims[1..]) != ImageShape)
            throw new ArgumentException(
                $"GanTrainer.{method}: {argument} must be a batch of images of the generator's shape {Layer.FormatBatch(ImageShape)}; got shape {images.Shape}.",
                argument);
    }

    /// <summary>A batch of standard normal noise, (count, <see cref="NoiseDim"/>), from the trainer's generator of random numbers.</summary>
    public Tensor SampleNoise(int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, $"GanTrainer.SampleNoise: count must be at least 1; got {count}.");
        return Tensor.RandomNormal([count, NoiseDim], generator: _random);
    }

    /// <summary>The generator's images for <paramref name="noise"/> (inference mode, no graph).</summary>
    public Tensor Generate(Tensor noise) => Generate(Generator, noise);

    /// <summary>
    /// A generator's images for <paramref name="noise"/> (inference mode, no graph), checking first that the
    /// noise is a batch of vectors of the width the generator was built for.
    /// </summary>
    public static Tensor Generate(Model generator, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(generator);
        CheckNoise(generator, noise);
        using (Autograd.NoGrad())
            return generator.Call(noise, training: false);
    }

    /// <summary>Refuses anything but a batch of noise vectors of the width <paramref name="generator"/> was built for.</summary>
    private static void CheckNoise(Model generator, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(noise);
        var expected = generator.InputShape ?? generator.DeclaredInputShape;
        if (noise.Rank != 2 || noise.Shape[0] == 0 || (expected is { } shape && (shape.Rank != 1 || shape[0] != noise.Shape[1])))
            throw new ArgumentException(
                $"Generator '{generator.Name}' takes a batch of noise vectors of shape {(expected is { } e ? Layer.FormatBatch(e) : "(None, width)")}; " +
                $"got a noise batch of shape {noise.Shape}.", nameof(noise));
    }

    /// <summary>A (batch, 1) target tensor filled with <paramref name="value"/>, kept between steps of the same batch size.</summary>
    private static Tensor Targets(ref Tensor? cached, int batch, float value)
    {
        if (cached is null || cached.Shape[0] != batch)
        {
            cached?.Dispose();
            using (TensorScope.Suspend()) cached = Tensor.Full([batch, 1], value);
        }
        return cached;
    }
}
