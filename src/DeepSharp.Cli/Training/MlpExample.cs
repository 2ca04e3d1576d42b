namespace DeepSharp.Cli.Training;

/// <summary>The seed MLP: Flatten → Dense(128, relu) → Dropout(0.2) → Dense(10, softmax), Adam, 10 epochs, batch 32.</summary>
public sealed class MlpExample : ClassifierExample
{
    /// <inheritdoc/>
    public override string Name => "mlp";

    /// <inheritdoc/>
    public override string Summary => "the seed multilayer perceptron (Dense 128 relu, Dropout 0.2, Dense 10 softmax)";

    /// <inheritdoc/>
    public override int DefaultEpochs => 10;

    /// <inheritdoc/>
    public override int DefaultBatchSize => 32;

    /// <inheritdoc/>
    public override Model BuildModel(int classes)
    {
        var model = SeedModels.Mlp(classes);
        model.Compile(optimizer: new Adam(learningRate: 1e-3), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }
}
