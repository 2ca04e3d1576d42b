namespace DeepSharp.Examples;

/// <summary>
/// Image rows as a sequence: each 28×28 image is 28 steps of 28 features read by LSTM(64, returnSequences) →
/// LSTM(64) → Dense(10, softmax) (<see cref="SeedModels.RowLstm"/>), Adam 2e-3, 10 epochs, batch 128.
/// </summary>
// Adam at 2e-3, not Keras' 1e-3, at which this model was still improving after 10 epochs (BENCHMARKS.md, "Accuracy of the examples").
public sealed class LstmExample() : ClassifierExample("lstm", "image rows as 28 steps: LSTM 64 (sequences), LSTM 64, Dense 10 softmax; Adam 2e-3",
    defaultEpochs: 10, defaultBatchSize: 128, learningRate: 2e-3)
{
    /// <inheritdoc/>
    protected override Sequential Architecture(int classes) => SeedModels.RowLstm(classes);
}
