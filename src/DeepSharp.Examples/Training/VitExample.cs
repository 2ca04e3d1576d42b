using System.Text.Json.Nodes;
using DeepSharp.Plots;

namespace DeepSharp.Examples;

/// <summary>
/// A small Vision Transformer (<see cref="SeedModels.Vit"/>): 16 patches of 7×7 pixels embedded to 64 features, learned position
/// embeddings, pre-norm transformer blocks (LayerNormalization → MultiHeadAttention → Add, LayerNormalization → Dense
/// (gelu) → Dense → Add), then LayerNormalization, average over the patches and Dense(10). Adam with a linear warm-up
/// over the first epoch and a cosine decay to 0 after it, validated on the test set after every epoch.
/// </summary>
public sealed class VitExample() : ClassifierExample("vit", "a small Vision Transformer: 16 patches of 7x7, 64 features, 4 heads, 4 pre-norm blocks; Adam, warm-up + cosine",
    defaultEpochs: 10, defaultBatchSize: 128, learningRate: 2e-3)
{
    /// <summary>Transformer blocks (4 by default; the suite trains a shallower one).</summary>
    public int Blocks { get; init; } = SeedModels.VitBlocks;

    /// <summary>Features per patch token (64 by default).</summary>
    public int Features { get; init; } = SeedModels.VitFeatures;

    /// <inheritdoc/>
    protected override Model Architecture(int classes) => SeedModels.Vit(classes, Blocks, Features);

    /// <summary>Adam: the rate climbs linearly over the first epoch, then falls along a cosine to 0 by the last step.</summary>
    private Adam Optimizer(TrainingOptions options, int samples)
    {
        long perEpoch = (samples + options.GlobalBatchSize - 1) / options.GlobalBatchSize;
        long steps = options.Epochs * perEpoch;
        long warmup = Math.Min(perEpoch, steps / 2);
        var rate = new CosineDecay(0, decaySteps: Math.Max(1, steps - warmup), warmupTarget: LearningRate, warmupSteps: warmup);
        return new Adam(learningRate: options.Scaled(rate, samples));
    }

    /// <summary>Trains on the images, validating on the test set after each epoch.</summary>
    public override History Train(Model model, Tensor x, Tensor y, Tensor testX, Tensor testY, TrainingOptions options, IReadOnlyList<Callback>? callbacks = null)
    {
        model.Compile(optimizer: Optimizer(options, x.Shape[0]), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model.Fit(x, y, batchSize: options.GlobalBatchSize, epochs: options.Epochs, verbose: options.Verbose,
            callbacks: callbacks, validationData: (testX, testY), seed: options.Seed);
    }

    /// <summary>Writes accuracy.png (training against validation accuracy) and records the architecture in metrics.json.</summary>
    public override IReadOnlyList<string> WriteExtras(string directory, History history, JsonObject metrics)
    {
        metrics["patch_size"] = SeedModels.VitPatch;
        metrics["features"] = Features;
        metrics["blocks"] = Blocks;
        metrics["heads"] = SeedModels.VitHeads;
        metrics["learning_rate_schedule"] = "linear warm-up (1 epoch), cosine";
        history.PlotAccuracy(Path.Combine(directory, "accuracy.png"), "Model accuracy");
        return ["accuracy.png"];
    }
}
