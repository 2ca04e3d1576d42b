using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepSharp.Plots;

namespace DeepSharp.Examples;

/// <summary>
/// A GAN drawing Fashion-MNIST garments (<c>deepsharp train gan</c>): trains a fully connected GAN or a DCGAN
/// (<see cref="GanModels"/>) with <see cref="GanTrainer"/> on images scaled to [−1, 1], writing a grid of samples from a
/// fixed noise batch after every epoch, the loss curves, the generator, and a report whose sample quality is judged by
/// a CNN classifier (<see cref="SampleQuality"/>).
/// </summary>
public sealed class GanExample() : ImageExample("gan", "a GAN drawing Fashion-MNIST garments (--arch mlp or dcgan)", defaultEpochs: 10, defaultBatchSize: 64)
{
    private const int GridSamples = 64;

    /// <summary>"mlp" or "dcgan" (<see cref="GanModels.Architectures"/>).</summary>
    public string Architecture { get; init; } = "dcgan";

    /// <summary>The discriminator's target for real images: 0.9 is one-sided label smoothing, 1 none.</summary>
    public float RealLabel { get; init; } = 0.9f;

    /// <summary>A saved classifier to judge samples with, or null to train the seed CNN (and save it as classifier.dsm).</summary>
    public string? ClassifierPath { get; init; }

    /// <summary>Epochs of the classifier trained when none is given: 10, as the seed CNN trains.</summary>
    // Fewer understate the samples: a weaker classifier is less sure even of real images (BENCHMARKS.md, "Accuracy of the examples").
    public int ClassifierEpochs { get; init; } = 10;

    /// <summary>Generated images judged for the report.</summary>
    public int QualitySamples { get; init; } = 1000;

    /// <summary>Train on the first this many training images (null: all), for quick runs.</summary>
    public int? TrainImages { get; init; }

    /// <summary>
    /// Prepares the judging classifier, trains, and after every epoch writes a sample grid, losses.png, generator.dsm
    /// and metrics.json (so a long run stopped early leaves its results); returns 0, or 1 when a loss stopped being
    /// finite. Over several ranks the GAN and the classifier train data-parallel, and rank 0 alone judges and writes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The batch size (parameter name <c>BatchSize</c>) is larger than the training images.</exception>
    protected override int Run(IdxDataset dataset, DatasetSplit train, DatasetSplit test, TrainingOptions options, TextWriter output)
    {
        if (options.BalanceRanks)
            throw new ArgumentException("GanExample: balanced shares (--balance) are for the examples Fit trains; the GAN's own loop gives every rank an equal share of each batch.",
                nameof(TrainingOptions.BalanceRanks));
        var directory = options.OutputDirectory;
        var ranks = options.Communicator;
        bool writes = options.Writes;
        if (writes) Directory.CreateDirectory(directory);
        Tensor trainImages, trainLabels, testImages, realImages;
        using (Autograd.NoGrad())
        {
            int count = Math.Min(TrainImages ?? train.Count, train.Count);
            trainImages = train.X.Slice(0, 0, count).Reshape(count, 28, 28, 1);
            trainLabels = train.Y.Slice(0, 0, count);
            testImages = test.X.Reshape(test.Count, 28, 28, 1);
            realImages = trainImages * 2f - 1f; // the generator's tanh range
        }

        var (classifier, classifierAccuracy, classifierFile) = PrepareClassifier(trainImages, trainLabels, testImages, test.Y, options, output);
        // Judging is rank 0's alone: the other ranks train and write nothing.
        SampleQuality? quality = null;
        SampleQualityReport? realReport = null;
        int judged = QualitySamples;
        double noiseDistance = double.NaN;
        if (writes)
        {
            quality = new SampleQuality(classifier, testImages);
            var noiseImages = Tensor.RandomUniform([judged, 28, 28, 1], generator: new RandomGenerator(options.Seed + 3));
            noiseDistance = quality.DistanceToReal(noiseImages);
            int realCount = Math.Min(judged, trainImages.Shape[0]);
            realReport = quality.Measure(trainImages.Slice(0, 0, realCount)); // what real images score: the attainable values
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Fréchet distance to the test images: uniform noise {noiseDistance:0.00}, {realCount} real training images {realReport.FrechetDistance:0.00} " +
                $"(their mean top-class probability {realReport.MeanTopProbability:0.000})"));
        }

        var generator = GanModels.Generator(Architecture);
        var discriminator = GanModels.Discriminator(Architecture);
        var generatorOptimizer = GanModels.Optimizer();
        var discriminatorOptimizer = GanModels.Optimizer();
        int trainCount = trainImages.Shape[0];
        if (options.ScaleLearningRate)
        {
            generatorOptimizer.LearningRate = options.Scaled(generatorOptimizer.LearningRate, trainCount);
            discriminatorOptimizer.LearningRate = options.Scaled(discriminatorOptimizer.LearningRate, trainCount);
        }
        var trainer = new GanTrainer(generator, discriminator, generatorOptimizer, discriminatorOptimizer, GanModels.NoiseDim, RealLabel, options.Seed, ranks);
        if (options.Verbose > 0)
        {
            generator.Summary(output);
            discriminator.Summary(output);
        }
        var fixedNoise = Tensor.RandomNormal([GridSamples, GanModels.NoiseDim], generator: new RandomGenerator(options.Seed + 1));
        var qualityNoise = Tensor.RandomNormal([judged, GanModels.NoiseDim], generator: new RandomGenerator(options.Seed + 2));

        var history = new Dictionary<string, List<double>>
        {
            ["d_loss"] = [], ["g_loss"] = [], ["mean_top_probability"] = [], ["min_class_share"] = [], ["frechet_distance"] = [], ["seconds"] = [],
        };
        var files = new List<string>();
        SampleQualityReport? report = null;
        long steps = 0;
        double trainSeconds = 0;
        // Each rank takes its share of every batch of one order (the same seed everywhere).
        using var loader = new DataLoader(realImages, batchSize: options.GlobalBatchSize, shuffle: true, seed: options.Seed, dropLast: true)
        {
            Shard = new BatchShard(ranks.Rank, ranks.Size),
        };
        if (loader.BatchCount == 0)
            throw new ArgumentOutOfRangeException(nameof(TrainingOptions.BatchSize), options.BatchSize,
                $"GanExample: a step takes a full batch, and the batch size {options.GlobalBatchSize} is larger than the {loader.Count} training images.");
        if (options.GlobalBatchSize < ranks.Size)
            throw new ArgumentOutOfRangeException(nameof(TrainingOptions.BatchSize), options.BatchSize,
                $"GanExample: the batch of {options.GlobalBatchSize} images cannot be shared by {ranks.Size} ranks; it must hold at least one image per rank.");
        // Written after every epoch, so that a long run stopped early still leaves its generator and report.
        void WriteResults(int epochsDone, SampleQualityReport last)
        {
            LinePlot.Save(Path.Combine(directory, "losses.png"),
                new Dictionary<string, IReadOnlyList<double>> { ["discriminator"] = history["d_loss"], ["generator"] = history["g_loss"] },
                $"{(Architecture == "dcgan" ? "DCGAN" : "Fully connected GAN")} on {dataset.Name}: losses per epoch");
            generator.Save(Path.Combine(directory, "generator.dsm"));
            var metrics = new JsonObject
            {
                // Written last, after the generator: "complete" tells a finished run from one stopped after an earlier epoch.
                ["complete"] = epochsDone == options.Epochs,
                ["example"] = Name,
                ["arch"] = Architecture,
                ["dataset"] = options.Dataset,
                ["epochs"] = epochsDone,
                ["epochs_planned"] = options.Epochs,
                ["batch_size"] = options.GlobalBatchSize,
                ["seed"] = options.Seed,
                ["threads"] = options.Threads,
                ["world_size"] = ranks.Size,
                ["real_label"] = RealLabel,
                ["train_seconds"] = Math.Round(trainSeconds, 3),
                ["steps_per_second"] = Math.Round(steps / trainSeconds, 3),
                ["classifier"] = new JsonObject { ["file"] = ClassifierPath ?? classifierFile, ["test_accuracy"] = Math.Round(classifierAccuracy, 6) },
                ["quality"] = QualityJson(last, dataset.ClassNames, noiseDistance, realReport!),
                ["history"] = HistoryJson(history),
            };
            // A trial on part of the data says so.
            if (options.Limit > 0) metrics["limit"] = options.Limit;
            if (TrainImages is { } images) metrics["train_images"] = images;
            RunReport.AddScaling(metrics, options);
            AtomicFile.WriteAllText(Path.Combine(directory, "metrics.json"), metrics.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }

        var running = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            loader.Epoch = epoch;
            double dSum = 0, gSum = 0;
            int step = 0;
            // On a terminal, a live bar with the running losses during the epoch (as Fit's); elsewhere the epoch's line
            // below is its only output.
            var bar = options.Verbose == 1 ? new ProgressBar(loader.BatchCount) : null;
            if (bar is { IsLive: false }) bar = null;
            var clock = Stopwatch.StartNew();
            foreach (var batch in loader)
            {
                var (d, g) = trainer.TrainStep(batch.X);
                if (!double.IsFinite(d) || !double.IsFinite(g))
                {
                    if (bar is not null) output.WriteLine();
                    output.WriteLine($"Epoch {epoch + 1}, step {step + 1}: a loss is not finite (discriminator {d}, generator {g}); training stopped (the files in the output directory are those of the last finished epoch).");
                    return 1;
                }
                dSum += d;
                gSum += g;
                step++;
                if (bar is not null)
                {
                    running["d_loss"] = dSum / step;
                    running["g_loss"] = gSum / step;
                    bar.Update(step, running);
                }
            }
            clock.Stop();
            bar?.Finish(running);
            steps += step;
            trainSeconds += clock.Elapsed.TotalSeconds;
            if (!writes) continue; // the losses are the same on every rank: rank 0 reports them

            var grid = $"samples-epoch-{epoch + 1:00}.png";
            WriteGrid(Path.Combine(directory, grid), trainer.Generate(fixedNoise));
            files.Add(grid);
            report = Judge(quality!, trainer.Generate(qualityNoise));
            history["d_loss"].Add(dSum / step);
            history["g_loss"].Add(gSum / step);
            history["mean_top_probability"].Add(report.MeanTopProbability);
            history["min_class_share"].Add(report.MinClassShare);
            history["frechet_distance"].Add(report.FrechetDistance);
            history["seconds"].Add(clock.Elapsed.TotalSeconds);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Epoch {epoch + 1}/{options.Epochs} - {clock.Elapsed.TotalSeconds:0.0}s ({step / clock.Elapsed.TotalSeconds:0.0} steps/s) - d_loss {dSum / step:0.0000} - g_loss {gSum / step:0.0000} - " +
                $"top-class probability {report.MeanTopProbability:0.000} - smallest class {report.MinClassShare:P1} - Fréchet distance {report.FrechetDistance:0.00}"));
            WriteResults(epoch + 1, report);
        }

        if (!writes) return 0;
        files.Add("losses.png");
        files.Add("generator.dsm");
        if (classifierFile is not null) files.Add(classifierFile);
        files.Add("metrics.json");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Samples: top-class probability {report!.MeanTopProbability:0.000}, smallest class share {report.MinClassShare:P1}, " +
            $"Fréchet distance {report.FrechetDistance:0.00} (uniform noise {noiseDistance:0.00}, {noiseDistance / report.FrechetDistance:0.0}× higher)"));
        output.WriteLine($"Wrote {Path.GetFullPath(directory)}: {string.Join(", ", files)}");
        return 0;
    }

    /// <summary>Writes a grid of generator outputs (values in [−1, 1]).</summary>
    public static void WriteGrid(string path, Tensor images, int columns = 8) =>
        ImageGrid.Save(path, images, columns: columns, range: ImageValueRange.MinusOneToOne, scale: 2);

    /// <summary>Judges generator outputs in [−1, 1] with the classifier (which takes [0, 1]).</summary>
    private static SampleQualityReport Judge(SampleQuality quality, Tensor generated)
    {
        Tensor images;
        using (Autograd.NoGrad()) images = (generated + 1f) * 0.5f;
        return quality.Measure(images);
    }

    /// <summary>Loads the classifier given by --classifier, or trains the seed CNN and saves it as classifier.dsm.</summary>
    private (Model Classifier, double TestAccuracy, string? File) PrepareClassifier(Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels,
        TrainingOptions options, TextWriter output)
    {
        Model classifier;
        string? file = null;
        if (ClassifierPath is not null)
        {
            classifier = Model.Load(ClassifierPath);
            classifier.Compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        }
        else
        {
            output.WriteLine($"Training the seed CNN that judges the samples ({ClassifierEpochs} epochs)...");
            classifier = SeedModels.Cnn(10);
            classifier.Compile(optimizer: new Adam(learningRate: 1e-3), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
            classifier.Communicator = options.Communicator; // trained over the run's ranks too
            classifier.Fit(trainImages, trainLabels, batchSize: 64, epochs: ClassifierEpochs, verbose: options.Verbose == 0 ? 0 : 2, seed: options.Seed);
            file = "classifier.dsm";
            if (options.Writes) classifier.Save(Path.Combine(options.OutputDirectory, file));
        }
        if (!options.Writes) return (classifier, double.NaN, file);
        var result = classifier.Evaluate(testImages, testLabels, batchSize: 500, verbose: 0);
        double accuracy = result.Values[1].Value;
        output.WriteLine($"Classifier test accuracy: {accuracy:0.0000}");
        return (classifier, accuracy, file);
    }

    private static JsonObject QualityJson(SampleQualityReport report, IReadOnlyList<string> classNames, double noiseDistance, SampleQualityReport real)
    {
        var shares = new JsonObject();
        for (int c = 0; c < report.ClassShares.Count; c++)
            shares[c < classNames.Count ? classNames[c] : c.ToString(CultureInfo.InvariantCulture)] = Math.Round(report.ClassShares[c], 6);
        return new JsonObject
        {
            ["samples"] = report.Count,
            ["mean_top_probability"] = Math.Round(report.MeanTopProbability, 6),
            ["min_class_share"] = Math.Round(report.MinClassShare, 6),
            ["class_share"] = shares,
            ["frechet_distance"] = Math.Round(report.FrechetDistance, 6),
            ["frechet_distance_uniform_noise"] = Math.Round(noiseDistance, 6),
            ["noise_to_generated_ratio"] = Math.Round(noiseDistance / report.FrechetDistance, 6),
            ["frechet_distance_real_train_images"] = Math.Round(real.FrechetDistance, 6),
            ["mean_top_probability_real_train_images"] = Math.Round(real.MeanTopProbability, 6),
        };
    }

    private static JsonObject HistoryJson(Dictionary<string, List<double>> history)
    {
        var json = new JsonObject();
        foreach (var (key, values) in history)
            json[key] = new JsonArray(values.Select(v => (JsonNode?)Math.Round(v, 6)).ToArray());
        return json;
    }
}
