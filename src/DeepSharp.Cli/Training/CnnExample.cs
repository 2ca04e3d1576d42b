using System.Text.Json.Nodes;
using DeepSharp.Plots;

namespace DeepSharp.Cli.Training;

/// <summary>
/// The seed CNN: Conv2D(32) → MaxPooling2D → Conv2D(64) → MaxPooling2D → Flatten → Dense(128) → Dense(10), Adam,
/// 15 epochs, batch 32, validated on the test set after every epoch as the Keras tutorial does;
/// <c>--augment</c> trains on randomly transformed images, <c>--batch-norm</c> adds batch normalization.
/// </summary>
public sealed class CnnExample : ClassifierExample
{
    private bool _batchNorm;
    private ImageDataGenerator? _augmentation;

    /// <inheritdoc/>
    public override string Name => "cnn";

    /// <inheritdoc/>
    public override string Summary => "the seed convolutional network (Conv2D 32, pool, Conv2D 64, pool, Dense 128, Dense 10)";

    /// <inheritdoc/>
    public override int DefaultEpochs => 15;

    /// <inheritdoc/>
    public override int DefaultBatchSize => 32;

    /// <inheritdoc/>
    public override string OptionsHelp =>
        "           --augment             train on augmented images, as the options below set them\n" +
        "           --batch-norm          batch normalization after each convolution and the Dense(128)\n" +
        AugmentationOptions.Help.Replace("  --", "           --", StringComparison.Ordinal) + "\n";

    /// <inheritdoc/>
    public override void ReadOptions(CommandLine line)
    {
        _batchNorm = line.Flag("batch-norm");
        _augmentation = line.Flag("augment") ? AugmentationOptions.Parse(line) : null;
    }

    /// <inheritdoc/>
    public override Model BuildModel(int classes)
    {
        var model = SeedModels.Cnn(classes, _batchNorm);
        model.Compile(optimizer: new Adam(learningRate: 1e-3), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    /// <summary>Images [N, 28, 28] become [N, 28, 28, 1]: Conv2D wants a channel axis.</summary>
    public override Tensor PrepareInputs(Tensor images) =>
        Ops.Reshape(images, images.Shape[0], images.Shape[1], images.Shape[2], 1);

    /// <summary>Trains on the images (augmented with <c>--augment</c>), validating on the test set after each epoch.</summary>
    public override History Train(Model model, Tensor x, Tensor y, Tensor testX, Tensor testY, TrainingOptions options)
    {
        if (_augmentation is null)
            return model.Fit(x, y, batchSize: options.BatchSize, epochs: options.Epochs, verbose: options.Verbose,
                validationData: (testX, testY), seed: options.Seed);
        using var flow = _augmentation.Flow(x, y, batchSize: options.BatchSize, shuffle: true, seed: options.Seed);
        return model.Fit(flow, epochs: options.Epochs, verbose: options.Verbose, validationData: (testX, testY),
            validationBatchSize: Math.Max(options.BatchSize, 256));
    }

    /// <summary>Writes accuracy.png (training against validation accuracy) and records the flags in metrics.json.</summary>
    public override IReadOnlyList<string> WriteExtras(string directory, History history, JsonObject metrics)
    {
        metrics["augment"] = _augmentation is not null;
        metrics["batch_norm"] = _batchNorm;
        history.PlotAccuracy(Path.Combine(directory, "accuracy.png"), "Model accuracy");
        return ["accuracy.png"];
    }
}
