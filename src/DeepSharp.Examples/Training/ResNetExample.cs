using System.Text.Json.Nodes;
using DeepSharp.Plots;

namespace DeepSharp.Examples;

/// <summary>
/// A small residual network (<see cref="ResNetModel"/>: stem Conv2D 32, a residual stage of 64 filters at 14×14 and one
/// of 128 at 7×7, GlobalAveragePooling2D, Dense softmax) trained as a Keras user trains one: AdamW with weight decay,
/// the rate rising linearly over the first epoch to 2e-3 then falling along a cosine to 0, images augmented by
/// <see cref="CnnAugmentation.Default"/>, 20 epochs at batch 128, validated on the test set after every epoch.
/// </summary>
public sealed class ResNetExample() : ClassifierExample("resnet",
    "a residual network (Conv2D 32, residual stages of 64 and 128 filters with batch norm, global average pooling)",
    defaultEpochs: 20, defaultBatchSize: 128, learningRate: 2e-3)
{
    /// <summary>AdamW's decoupled weight decay (Keras' AdamW multiplies it by the learning rate).</summary>
    public const float WeightDecay = 0.05f;

    /// <summary>Filters of the stem convolution (smaller in tests).</summary>
    public int StemFilters { get; init; } = ResNetModel.DefaultStemFilters;

    /// <summary>Filters of each residual stage (smaller in tests).</summary>
    public IReadOnlyList<int> StageFilters { get; init; } = ResNetModel.DefaultStageFilters;

    /// <summary>Train on the plain images instead of augmented ones.</summary>
    public bool NoAugmentation { get; init; }

    /// <inheritdoc/>
    protected override Model Architecture(int classes) => ResNetModel.Create(classes, StemFilters, StageFilters);

    /// <summary>Images [N, 28, 28] become [N, 28, 28, 1]: Conv2D wants a channel axis.</summary>
    public override Tensor PrepareInputs(Tensor images) =>
        Ops.Reshape(images, images.Shape[0], images.Shape[1], images.Shape[2], 1);

    /// <summary>
    /// AdamW whose rate rises linearly from 0 to <see cref="ClassifierExample.LearningRate"/> over the first epoch, then
    /// falls along a cosine to 0 by the last step (Keras' CosineDecay with a warm-up; scaled by the ranks when asked).
    /// </summary>
    private AdamW Optimizer(TrainingOptions options, int samples)
    {
        long stepsPerEpoch = (samples + options.GlobalBatchSize - 1) / options.GlobalBatchSize;
        long steps = options.Epochs * stepsPerEpoch;
        long warmup = Math.Min(stepsPerEpoch, steps - 1);
        var rate = new CosineDecay(0, decaySteps: steps - warmup, warmupTarget: LearningRate, warmupSteps: warmup);
        return new AdamW(learningRate: options.Scaled(rate, samples), weightDecay: WeightDecay);
    }

    /// <summary>Trains on augmented images (unless <see cref="NoAugmentation"/>) with <paramref name="callbacks"/> (the run's backup), validating on the test set after each epoch.</summary>
    public override History Train(Model model, Tensor x, Tensor y, Tensor testX, Tensor testY, TrainingOptions options, IReadOnlyList<Callback>? callbacks = null)
    {
        model.Compile(optimizer: Optimizer(options, x.Shape[0]), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        if (NoAugmentation)
            return model.Fit(x, y, batchSize: options.GlobalBatchSize, epochs: options.Epochs, verbose: options.Verbose,
                callbacks: callbacks, validationData: (testX, testY), seed: options.Seed);
        using var flow = CnnAugmentation.Default().Flow(x, y, batchSize: options.GlobalBatchSize, shuffle: true, seed: options.Seed);
        return model.Fit(flow, epochs: options.Epochs, verbose: options.Verbose, callbacks: callbacks, validationData: (testX, testY),
            validationBatchSize: Math.Max(options.BatchSize, 256));
    }

    /// <summary>Writes accuracy.png (training against validation accuracy) and records the settings in metrics.json.</summary>
    public override IReadOnlyList<string> WriteExtras(string directory, History history, JsonObject metrics)
    {
        metrics["augment"] = !NoAugmentation;
        metrics["optimizer"] = "adamw";
        metrics["weight_decay"] = WeightDecay;
        metrics["learning_rate_schedule"] = "linear warm-up over the first epoch, then cosine decay to 0";
        metrics["peak_learning_rate"] = LearningRate;
        metrics["stage_filters"] = new JsonArray(StageFilters.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        history.PlotAccuracy(Path.Combine(directory, "accuracy.png"), "Model accuracy");
        return ["accuracy.png"];
    }
}
