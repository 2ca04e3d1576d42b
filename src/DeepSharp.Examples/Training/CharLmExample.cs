using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace DeepSharp.Examples;

/// <summary>
/// A character-level language model (<c>deepsharp train charlm</c>): reads a text corpus (the fortune cookies of Debian's
/// <c>fortunes</c> packages by default, <see cref="TextCorpus"/>), turns its characters into indices with a character
/// <see cref="TextVectorization"/> adapted on the training text, and trains <see cref="CharLanguageModel.Build"/> to
/// predict each next character of windows of <see cref="SequenceLength"/>. Reports the held-out bits per character
/// against the unigram baseline's, prints samples drawn at a few temperatures, and writes run.json, history.csv,
/// curves.png, samples.txt, the model, the vectorizer and, last, metrics.json.
/// </summary>
public sealed class CharLmExample() : Example("charlm",
    "a character-level language model on the fortunes: Embedding 32, LSTM 256 (sequences) x2, Dense per step; Adam 2e-3",
    defaultEpochs: 4, defaultBatchSize: 64)
{
    /// <summary>The corpus: a text file or folder (null: <see cref="TextCorpus.FortunesDirectory"/>).</summary>
    public string? CorpusPath { get; init; }

    /// <summary>Characters in a window (the steps the LSTMs run per sample).</summary>
    public int SequenceLength { get; init; } = 100;

    /// <summary>Units of each LSTM.</summary>
    public int Units { get; init; } = 256;

    /// <summary>Adam's initial learning rate (decayed along a cosine to a tenth of it over the run).</summary>
    public double LearningRate { get; init; } = 2e-3;

    private string CurvesTitle => $"{Name}: cross-entropy in nats (bits = nats / ln 2)";

    /// <summary>Characters generated per sample.</summary>
    public int SampleLength { get; init; } = 400;

    /// <summary>The sampling temperatures, one sample each.</summary>
    public IReadOnlyList<double> Temperatures { get; init; } = [0.5, 0.8, 1.0];

    /// <summary>
    /// Loads and splits the corpus, adapts the vocabulary, trains (the held-out windows as validation data, so curves.png
    /// shows both), evaluates and samples. On one process the run backs up into the output directory as the image
    /// classifiers do (Ctrl-C writes the backup; <see cref="TrainingOptions.Resume"/> continues it). Returns 0, 1 when
    /// training stopped on a non-finite loss, or <see cref="RunFolder.InterruptedExitCode"/> when it was interrupted.
    /// </summary>
    protected override int Train(TrainingOptions options, TextWriter output)
    {
        output.WriteLine($"Loading the corpus {CorpusPath ?? TextCorpus.FortunesDirectory}...");
        var clock = Stopwatch.StartNew();
        var corpus = TextCorpus.Load(CorpusPath);
        string trainText = options.Limit > 0 && options.Limit < corpus.Train.Length ? corpus.Train[..options.Limit] : corpus.Train;
        string heldOutText = options.Limit > 0 && options.Limit < corpus.HeldOut.Length ? corpus.HeldOut[..options.Limit] : corpus.HeldOut;
        var vectorizer = CharLanguageModel.Vectorizer();
        vectorizer.Adapt([trainText]);
        var trainIds = CharLanguageModel.Encode(vectorizer, trainText);
        var heldOutIds = CharLanguageModel.Encode(vectorizer, heldOutText);
        var (x, y) = CharLanguageModel.Windows(trainIds, SequenceLength);
        var (heldX, heldY) = CharLanguageModel.Windows(heldOutIds, SequenceLength);
        int vocabulary = vectorizer.VocabularySize;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {corpus.Files.Count} file(s): {trainText.Length:N0} training characters ({corpus.TrainPieces:N0} pieces), {heldOutText.Length:N0} held out " +
            $"(every {TextCorpus.HeldOutEvery}th piece, {corpus.HeldOutPieces:N0}); {vocabulary} tokens ({vocabulary - 2} characters, \"\" and [UNK]); " +
            $"{x.Shape[0]:N0} training and {heldX.Shape[0]:N0} held-out windows of {SequenceLength} ({clock.Elapsed.TotalSeconds:0.0}s)"));
        if (x.Shape[0] < options.GlobalBatchSize)
            throw new ArgumentOutOfRangeException(nameof(TrainingOptions.BatchSize), options.BatchSize,
                $"CharLmExample: the batch size {options.GlobalBatchSize} is larger than the {x.Shape[0]} training windows.");
        double unigram = CharLanguageModel.UnigramBitsPerCharacter(trainIds, heldY.ToArray(), vocabulary);

        long steps = (long)options.Epochs * (x.Shape[0] / options.GlobalBatchSize + (x.Shape[0] % options.GlobalBatchSize > 0 ? 1 : 0));
        LearningRateSchedule rate = options.Scaled(new CosineDecay(LearningRate, steps, alpha: 0.1), x.Shape[0]);
        var model = CharLanguageModel.Compiled(vocabulary, Units, SequenceLength, rate);
        model.Communicator = options.Communicator;
        model.BalanceRanks = options.BalanceRanks;
        if (options.Verbose > 0) model.Summary(output);
        var directory = options.OutputDirectory;
        // One process keeps a backup (Ctrl-C, --resume); a rank of a data-parallel run cannot stop or resume alone.
        var backup = options.Communicator.Size == 1 ? RunFolder.Begin(Name, options, output) : null;
        var history = model.Fit(x, y, batchSize: options.GlobalBatchSize, epochs: options.Epochs, verbose: options.Verbose,
            callbacks: backup is null ? null : [backup], validationData: (heldX, heldY), seed: options.Seed);
        if (RunReport.EndUnfinished(Name, options, history, CurvesTitle, output) is { } exitCode) return exitCode;
        if (!options.Writes) return 0;

        var result = model.Evaluate(heldX, heldY, batchSize: 256, verbose: 0);
        double bits = CharLanguageModel.BitsPerCharacter(result.Loss);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Held-out bits per character: {bits:0.000} (unigram baseline {unigram:0.000}, {unigram - bits:0.000} bits better); " +
            $"next-character accuracy {result.Values[1].Value:0.0000}"));
        output.WriteLine($"Training throughput: {history.SamplesPerSecond:N0} windows/s of {SequenceLength} characters (steady state)");

        var contexts = Temperatures.Select((_, i) => CharLanguageModel.ContextBeforePiece(heldOutText, SequenceLength, i)).ToList();
        clock.Restart();
        var samples = CharLanguageModel.Sample(model, vectorizer, contexts, Temperatures, SequenceLength, SampleLength, new RandomGenerator(options.Seed + 5));
        var samplesText = new System.Text.StringBuilder();
        for (int i = 0; i < samples.Length; i++)
        {
            string heading = $"Sample at temperature {CharLanguageModel.Format(Temperatures[i])} (after a held-out fortune):";
            output.WriteLine(heading);
            output.WriteLine(CharLanguageModel.Printable(samples[i]));
            samplesText.Append(heading).Append('\n').Append(samples[i]).Append("\n\n");
        }
        output.WriteLine($"  ({SampleLength} characters each, {clock.Elapsed.TotalSeconds:0.0}s)");

        // metrics.json last: a folder that has it, saying "complete", holds a finished run.
        Directory.CreateDirectory(directory);
        var extras = new JsonObject
        {
            ["dataset"] = "text",
            ["corpus"] = Path.GetFullPath(corpus.Source),
            ["corpus_files"] = corpus.Files.Count,
            ["train_characters"] = trainText.Length,
            ["held_out_characters"] = heldOutText.Length,
            ["vocabulary_size"] = vocabulary,
            ["sequence_length"] = SequenceLength,
            ["units"] = Units,
            ["learning_rate"] = LearningRate,
            ["held_out_bits_per_character"] = Math.Round(bits, 6),
            ["unigram_bits_per_character"] = Math.Round(unigram, 6),
            ["bits_better_than_unigram"] = Math.Round(unigram - bits, 6),
            ["temperatures"] = new JsonArray(Temperatures.Select(t => (JsonNode?)t).ToArray()),
        };
        AtomicFile.WriteAllText(Path.Combine(directory, "samples.txt"), samplesText.ToString());
        vectorizer.Save(Path.Combine(directory, "vectorizer.json"));
        RunReport.EndFinished(Name, options, model, history, result, extras, CurvesTitle, ["samples.txt", "vectorizer.json"], output);
        return 0;
    }
}
