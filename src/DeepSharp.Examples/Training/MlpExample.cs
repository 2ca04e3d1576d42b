namespace DeepSharp.Examples;

/// <summary>The seed MLP (<see cref="SeedModels.Mlp"/>): Adam 1e-3, 10 epochs, batch 32.</summary>
public sealed class MlpExample() : ClassifierExample("mlp", "the seed multilayer perceptron (Dense 128 relu, Dropout 0.2, Dense 10 softmax)",
    defaultEpochs: 10, defaultBatchSize: 32, learningRate: 1e-3)
{
    /// <inheritdoc/>
    protected override Sequential Architecture(int classes) => SeedModels.Mlp(classes);
}
