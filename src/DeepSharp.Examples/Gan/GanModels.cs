namespace DeepSharp.Examples;

/// <summary>
/// The generators and discriminators of the two Fashion-MNIST GANs. Images are 28×28×1 with values in [−1, 1]
/// (the generator ends in tanh); discriminators end in one logit (see <see cref="GanTrainer"/>). Kernels start
/// from RandomNormal(0, 0.02), as in the DCGAN paper.
/// </summary>
public static class GanModels
{
    /// <summary>The width of the noise vectors both generators take.</summary>
    public const int NoiseDim = 100;

    /// <summary>The architectures by command-line name.</summary>
    public static readonly string[] Architectures = ["mlp", "dcgan"];

    /// <summary>The generator of <paramref name="architecture"/> ("mlp" or "dcgan"), uncompiled.</summary>
    public static Sequential Generator(string architecture) => architecture switch
    {
        "mlp" => MlpGenerator(),
        "dcgan" => DcganGenerator(),
        _ => throw new ArgumentException($"GanModels: unknown architecture '{architecture}'; known: {string.Join(", ", Architectures)}.", nameof(architecture)),
    };

    /// <summary>The discriminator of <paramref name="architecture"/> ("mlp" or "dcgan"), uncompiled.</summary>
    public static Sequential Discriminator(string architecture) => architecture switch
    {
        "mlp" => MlpDiscriminator(),
        "dcgan" => DcganDiscriminator(),
        _ => throw new ArgumentException($"GanModels: unknown architecture '{architecture}'; known: {string.Join(", ", Architectures)}.", nameof(architecture)),
    };

    /// <summary>Noise 100 → Dense 256 → 512 → 1024 (LeakyReLU 0.2 each) → Dense 784 tanh → Reshape (28, 28, 1).</summary>
    public static Sequential MlpGenerator() => new(
        [
            new Dense(256, kernelInitializer: Normal(), inputShape: [NoiseDim]),
            new LeakyReLU(0.2f),
            new Dense(512, kernelInitializer: Normal()),
            new LeakyReLU(0.2f),
            new Dense(1024, kernelInitializer: Normal()),
            new LeakyReLU(0.2f),
            new Dense(28 * 28, activation: "tanh", kernelInitializer: Normal()),
            new Reshape([28, 28, 1]),
        ], "generator");

    /// <summary>Flatten → Dense 1024 → 512 → 256 (LeakyReLU 0.2 and Dropout 0.3 each) → Dense 1 (logit).</summary>
    public static Sequential MlpDiscriminator() => new(
        [
            new Flatten(inputShape: [28, 28, 1]),
            new Dense(1024, kernelInitializer: Normal()),
            new LeakyReLU(0.2f),
            new Dropout(0.3),
            new Dense(512, kernelInitializer: Normal()),
            new LeakyReLU(0.2f),
            new Dropout(0.3),
            new Dense(256, kernelInitializer: Normal()),
            new LeakyReLU(0.2f),
            new Dropout(0.3),
            new Dense(1, kernelInitializer: Normal()),
        ], "discriminator");

    /// <summary>
    /// Noise 100 → Dense 7·7·128 → BatchNorm → LeakyReLU → Reshape (7, 7, 128) → Conv2DTranspose(64, 4, stride 2)
    /// → BatchNorm → LeakyReLU → Conv2DTranspose(1, 4, stride 2, tanh): 28×28×1. Kernels of 4 (as PyTorch's DCGAN)
    /// rather than 5: a multiple of the stride avoids checkerboard artefacts, and the 14×14 layer costs a third less.
    /// </summary>
    public static Sequential DcganGenerator() => new(
        [
            new Dense(7 * 7 * 128, useBias: false, kernelInitializer: Normal(), inputShape: [NoiseDim]),
            new BatchNormalization(momentum: 0.9f),
            new LeakyReLU(0.2f),
            new Reshape([7, 7, 128]),
            new Conv2DTranspose(64, 4, strides: 2, padding: "same", useBias: false, kernelInitializer: Normal()),
            new BatchNormalization(momentum: 0.9f),
            new LeakyReLU(0.2f),
            new Conv2DTranspose(1, 4, strides: 2, padding: "same", activation: "tanh", kernelInitializer: Normal()),
        ], "generator");

    /// <summary>
    /// Conv2D(64, 5, stride 2) → LeakyReLU → Dropout 0.3 → Conv2D(128, 5, stride 2) → LeakyReLU → Dropout 0.3 →
    /// Flatten → Dense 1 (logit).
    /// </summary>
    public static Sequential DcganDiscriminator() => new(
        [
            new Conv2D(64, 5, strides: 2, padding: "same", kernelInitializer: Normal(), inputShape: [28, 28, 1]),
            new LeakyReLU(0.2f),
            new Dropout(0.3),
            new Conv2D(128, 5, strides: 2, padding: "same", kernelInitializer: Normal()),
            new LeakyReLU(0.2f),
            new Dropout(0.3),
            new Flatten(),
            new Dense(1, kernelInitializer: Normal()),
        ], "discriminator");

    /// <summary>Adam(2e-4, beta1 0.5), the DCGAN paper's optimizer.</summary>
    public static Adam Optimizer() => new(learningRate: 2e-4f, beta1: 0.5f);

    private static RandomNormal Normal() => new(0f, 0.02f);
}
