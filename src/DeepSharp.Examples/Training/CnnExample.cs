using System.Text.Json.Nodes;
using DeepSharp.Plots;

namespace DeepSharp.Examples;

/// <summary>
/// The seed CNN (<see cref="SeedModels.Cnn(int, bool)"/>): Conv2D(32) → MaxPooling2D → Conv2D(64) → MaxPooling2D →
/// Flatten → Dense(128) → Dense(10), Adam, 15 epochs, batch 32, validated on the test set after every epoch as the
/// Keras tutorial does. Adam's rate falls along a cosine from 1e-3 to 0 over the run unless
/// <see cref="ConstantLearningRate"/>; <see cref="Augmentation"/> trains on randomly transformed images,
/// <see cref="BatchNorm"/> adds batch normalization.
/// </summary>
public sealed class CnnExample() : ClassifierExample("cnn", "the seed convolutional network (Conv2D 32, pool, Conv2D 64, pool, Dense 128, Dense 10)",
    defaultEpochs: 15, defaultBatchSize: 32, learningRate: 1e-3)
{
    private double? _accuracyWithAugmentedStatistics;

    /// <summary>Batch normalization after each convolution and the Dense(128).</summary>
    public bool BatchNorm { get; init; }

    /// <summary>Keep Adam's rate at 1e-3, as the Keras tutorial does, instead of the cosine decay.</summary>
    // The falling rate settles the last epochs of augmented training (BENCHMARKS.md, "Accuracy of the examples").
    public bool ConstantLearningRate { get; init; }

    /// <summary>Train on images transformed by this generator (e.g. <see cref="CnnAugmentation.Default"/>); null for the plain images.</summary>
    public ImageDataGenerator? Augmentation { get; init; }

    /// <summary>
    /// With <see cref="Augmentation"/> and <see cref="BatchNorm"/>: keep the moving statistics gathered on augmented
    /// batches, as Keras does, instead of recomputing them on the un-augmented training images after training
    /// (<see cref="BatchNormStatistics.UpdateBatchNormStatistics"/>).
    /// </summary>
    public bool KeepAugmentedStatistics { get; init; }

    /// <inheritdoc/>
    protected override Sequential Architecture(int classes) => SeedModels.Cnn(classes, BatchNorm);

    /// <summary>
    /// Adam with the run's rate: 1e-3, falling along a cosine to 0 over all steps unless <see cref="ConstantLearningRate"/>
    /// (scaled by the ranks with <see cref="TrainingOptions.ScaleLearningRate"/>).
    /// </summary>
    private Adam Optimizer(TrainingOptions options, int samples)
    {
        long steps = (long)options.Epochs * ((samples + options.GlobalBatchSize - 1) / options.GlobalBatchSize);
        LearningRateSchedule rate = ConstantLearningRate ? LearningRate : new CosineDecay(LearningRate, decaySteps: steps);
        return new Adam(learningRate: options.Scaled(rate, samples));
    }

    /// <summary>Images [N, 28, 28] become [N, 28, 28, 1]: Conv2D wants a channel axis.</summary>
    public override Tensor PrepareInputs(Tensor images) =>
        Ops.Reshape(images, images.Shape[0], images.Shape[1], images.Shape[2], 1);

    /// <summary>Trains on the images (augmented with <see cref="Augmentation"/>), validating on the test set after each epoch.</summary>
    public override History Train(Model model, Tensor x, Tensor y, Tensor testX, Tensor testY, TrainingOptions options, IReadOnlyList<Callback>? callbacks = null)
    {
        _accuracyWithAugmentedStatistics = null;
        model.Compile(optimizer: Optimizer(options, x.Shape[0]), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        if (Augmentation is null)
            return model.Fit(x, y, batchSize: options.GlobalBatchSize, epochs: options.Epochs, verbose: options.Verbose,
                callbacks: callbacks, validationData: (testX, testY), seed: options.Seed);
        History history;
        using (var flow = Augmentation.Flow(x, y, batchSize: options.GlobalBatchSize, shuffle: true, seed: options.Seed))
            history = model.Fit(flow, epochs: options.Epochs, verbose: options.Verbose, callbacks: callbacks, validationData: (testX, testY),
                validationBatchSize: Math.Max(options.BatchSize, 256));
        // Rank 0 alone evaluates and writes the model (the others' copies are the same and go unused).
        if (BatchNorm && !KeepAugmentedStatistics && !history.StoppedOnNaN && !history.Interrupted && options.Writes)
        {
            // The moving statistics describe augmented images; the model is judged on plain ones. The accuracy before
            // is reported beside the one after, so the effect is on record.
            int batchSize = Math.Max(options.BatchSize, 256);
            _accuracyWithAugmentedStatistics = model.Evaluate(testX, testY, batchSize: batchSize, verbose: 0).Values[1].Value;
            ((Sequential)model).UpdateBatchNormStatistics(x, batchSize);
            if (options.Verbose > 0)
                Console.WriteLine($"Batch normalization statistics recomputed on the un-augmented training images " +
                    $"(test accuracy with those of the augmented batches: {_accuracyWithAugmentedStatistics:0.0000}).");
        }
        return history;
    }

    /// <summary>Writes accuracy.png (training against validation accuracy) and records the settings in metrics.json.</summary>
    public override IReadOnlyList<string> WriteExtras(string directory, History history, JsonObject metrics)
    {
        metrics["augment"] = Augmentation is not null;
        metrics["batch_norm"] = BatchNorm;
        metrics["learning_rate_schedule"] = ConstantLearningRate ? "constant" : "cosine";
        if (_accuracyWithAugmentedStatistics is { } before)
        {
            metrics["batch_norm_statistics"] = "recomputed on the un-augmented training images";
            metrics["test_accuracy_with_augmented_batch_norm_statistics"] = Math.Round(before, 6);
        }
        history.PlotAccuracy(Path.Combine(directory, "accuracy.png"), "Model accuracy");
        return ["accuracy.png"];
    }
}
