namespace DeepSharp.Examples;

/// <summary>
/// The row-sequence model of <see cref="LstmExample"/> with GRU cells: GRU(64, returnSequences) → GRU(64) →
/// Dense(10, softmax), Adam 2e-3, 10 epochs, batch 128.
/// </summary>
// Adam at 2e-3 for the reason LstmExample gives (BENCHMARKS.md, "Accuracy of the examples").
public sealed class GruExample() : ClassifierExample("gru", "image rows as 28 steps: GRU 64 (sequences), GRU 64, Dense 10 softmax; Adam 2e-3",
    defaultEpochs: 10, defaultBatchSize: 128, learningRate: 2e-3)
{
    /// <inheritdoc/>
    protected override Sequential Architecture(int classes) => SeedModels.RowLstm(classes, gru: true);
}
