// A DCGAN that learns to draw Fashion-MNIST garments: the epochs and batches written out around GanTrainer's
// adversarial step (src/DeepSharp.Examples/Gan/GanTrainer.cs), the one `deepsharp train gan` runs too.
// Run: dotnet run -c Release --project examples/Gan        (about an hour on two cores; samples-epoch-NN.png show progress)
using DeepSharp;
using DeepSharp.Examples;
using DeepSharp.Plots;

const int batchSize = 64, epochs = 10;
RandomGenerator.SetSeed(42);

var (train, _) = Datasets.FashionMnist.Load();
var images = train.X.Reshape(train.Count, 28, 28, 1) * 2f - 1f;    // [0, 1] → [-1, 1], the range of tanh

// Noise 100 → Dense → two transposed convolutions → a 28×28×1 image; an image → two strided convolutions → a logit.
var generator = GanModels.DcganGenerator();
var discriminator = GanModels.DcganDiscriminator();
generator.Summary();
discriminator.Summary();

// Adam(2e-4, β1 0.5) for each; real images are labelled 0.9 rather than 1 (one-sided label smoothing).
var gan = new GanTrainer(generator, discriminator, GanModels.Optimizer(), GanModels.Optimizer(),
                         GanModels.NoiseDim, realLabel: 0.9f, seed: 42);
var fixedNoise = gan.SampleNoise(64);                                // the same 64 vectors every epoch

using var loader = new DataLoader(images, batchSize: batchSize, shuffle: true, dropLast: true);
for (int epoch = 1; epoch <= epochs; epoch++)
{
    loader.Epoch = epoch;
    double dSum = 0, gSum = 0;
    foreach (var batch in loader)
    {
        // The discriminator learns real → 0.9, generated → 0; then the generator learns to make it say "real".
        var (dLoss, gLoss) = gan.TrainStep(batch.X);
        dSum += dLoss;
        gSum += gLoss;
    }
    Console.WriteLine($"Epoch {epoch}/{epochs} - d_loss {dSum / loader.BatchCount:0.000} - g_loss {gSum / loader.BatchCount:0.000}");
    ImageGrid.Save($"samples-epoch-{epoch:00}.png", gan.Generate(fixedNoise), range: ImageValueRange.MinusOneToOne, scale: 2);
}
generator.Save("fashion-dcgan-generator.dsm");
