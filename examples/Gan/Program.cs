// A DCGAN that learns to draw Fashion-MNIST garments, with the adversarial loop written out.
// Run: dotnet run -c Release --project examples/Gan        (about an hour on two cores; samples-epoch-NN.png show progress)
using DeepSharp;
using DeepSharp.Plots;

const int noiseDim = 100, batchSize = 64, epochs = 10;
RandomGenerator.SetSeed(42);

var (train, _) = Datasets.FashionMnist.Load();
var images = train.X.Reshape(train.Count, 28, 28, 1) * 2f - 1f;    // [0, 1] → [-1, 1], the range of tanh

RandomNormal Init() => new(0f, 0.02f);                              // DCGAN's weight initialization
var generator = new Sequential(
    new Dense(7 * 7 * 128, useBias: false, kernelInitializer: Init(), inputShape: [noiseDim]),
    new BatchNormalization(momentum: 0.9f),
    new LeakyReLU(0.2f),
    new Reshape([7, 7, 128]),
    new Conv2DTranspose(64, 4, strides: 2, padding: "same", useBias: false, kernelInitializer: Init()),   // 14×14
    new BatchNormalization(momentum: 0.9f),
    new LeakyReLU(0.2f),
    new Conv2DTranspose(1, 4, strides: 2, padding: "same", activation: "tanh", kernelInitializer: Init())); // 28×28
var discriminator = new Sequential(
    new Conv2D(64, 5, strides: 2, padding: "same", kernelInitializer: Init(), inputShape: [28, 28, 1]),
    new LeakyReLU(0.2f),
    new Dropout(0.3),
    new Conv2D(128, 5, strides: 2, padding: "same", kernelInitializer: Init()),
    new LeakyReLU(0.2f),
    new Dropout(0.3),
    new Flatten(),
    new Dense(1, kernelInitializer: Init()));                        // a logit: the sigmoid is in the loss
generator.Summary();
discriminator.Summary();

var generatorOptimizer = new Adam(learningRate: 2e-4f, beta1: 0.5f);
var discriminatorOptimizer = new Adam(learningRate: 2e-4f, beta1: 0.5f);
var generatorWeights = generator.TrainableWeights;
var discriminatorWeights = discriminator.TrainableWeights;
var real = Tensor.Full([batchSize, 1], 0.9f);                        // one-sided label smoothing
var fake = Tensor.Zeros(batchSize, 1);
var ones = Tensor.Ones(batchSize, 1);
var fixedNoise = Tensor.RandomNormal([64, noiseDim]);

using var loader = new DataLoader(images, batchSize: batchSize, shuffle: true, dropLast: true);
for (int epoch = 1; epoch <= epochs; epoch++)
{
    loader.Epoch = epoch;
    double dSum = 0, gSum = 0;
    foreach (var batch in loader)
    {
        using var scope = TensorScope.Begin();                       // recycles this step's tensors
        var generated = generator.Call(Tensor.RandomNormal([batchSize, noiseDim]), training: true);

        // Discriminator: real images → 0.9, generated → 0. Detach: no gradient into the generator here.
        var dLoss = Ops.BinaryCrossentropy(real, discriminator.Call(batch.X, training: true), fromLogits: true)
                  + Ops.BinaryCrossentropy(fake, discriminator.Call(generated.Detach(), training: true), fromLogits: true);
        dLoss.Backward();
        discriminatorOptimizer.ApplyGradients(discriminatorWeights);

        // Generator: make the discriminator say "real". Gradients flow through the discriminator into the
        // generator's weights only (PyTorch's backward(inputs=...)), and only those are stepped.
        var gLoss = Ops.BinaryCrossentropy(ones, discriminator.Call(generated, training: true), fromLogits: true);
        gLoss.Backward(generatorWeights);
        generatorOptimizer.ApplyGradients(generatorWeights);

        dSum += dLoss.Item();
        gSum += gLoss.Item();
    }
    Console.WriteLine($"Epoch {epoch}/{epochs} - d_loss {dSum / loader.BatchCount:0.000} - g_loss {gSum / loader.BatchCount:0.000}");
    using (Autograd.NoGrad())
        ImageGrid.Save($"samples-epoch-{epoch:00}.png", generator.Call(fixedNoise, training: false),
                       range: ImageValueRange.MinusOneToOne, scale: 2);
}
generator.Save("fashion-dcgan-generator.dsm");
