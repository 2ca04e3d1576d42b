namespace DeepSharp.Cli.Training;

/// <summary>
/// The row-sequence model of <see cref="LstmExample"/> with GRU cells: GRU(64, returnSequences) → GRU(64) →
/// Dense(10, softmax), Adam, 10 epochs, batch 128.
/// </summary>
public sealed class GruExample : ClassifierExample
{
    /// <inheritdoc/>
    public override string Name => "gru";

    /// <inheritdoc/>
    public override string Summary => "image rows as 28 steps: GRU 64 (sequences), GRU 64, Dense 10 softmax";

    /// <inheritdoc/>
    public override int DefaultEpochs => 10;

    /// <inheritdoc/>
    public override int DefaultBatchSize => 128;

    /// <inheritdoc/>
    public override Model BuildModel(int classes)
    {
        var model = SeedModels.RowLstm(classes, gru: true);
        model.Compile(optimizer: new Adam(learningRate: 1e-3), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }
}
