using System.Text.Json.Nodes;
using DeepSharp.Tests.Examples.Text;

namespace DeepSharp.Tests.Cli;

/// <summary><c>deepsharp train charlm</c>, run in process on a small synthetic corpus with a small model.</summary>
public class TrainCharLmCommandTests
{
    [Fact]
    public void A_short_run_beats_the_unigram_baseline_prints_samples_and_writes_its_files() => ShortRun(seed: 3);

    private static void ShortRun(int seed)
    {
        using var dir = new Plots.TempDirectory();
        var corpus = SyntheticCorpus.Write(dir.File("corpus.txt"), pieces: 300);
        var (code, output, error) = CliInProcess.Run("train", "charlm", "--corpus", corpus, "--units", "32", "--sequence-length", "24",
            "--epochs", "4", "--batch-size", "16", "--learning-rate", "0.01", "--sample-length", "60", "--temperatures", "0.5,1",
            "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--verbose", "0", "--out", dir.File("run"));
        Assert.True(code == 0, output + error);
        foreach (var file in new[] { "metrics.json", "history.csv", "curves.png", "samples.txt", "model.dsm", "vectorizer.json" })
            Assert.True(File.Exists(Path.Combine(dir.File("run"), file)), $"{file} missing; output:\n{output}");
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.File("run"), "metrics.json")))!;
        double bits = metrics["held_out_bits_per_character"]!.GetValue<double>();
        double unigram = metrics["unigram_bits_per_character"]!.GetValue<double>();
        Assert.True(bits < unigram - 1, $"held-out {bits} bits per character against the unigram's {unigram}\n{output}");
        var loss = metrics["history"]!["loss"]!.AsArray().Select(v => v!.GetValue<double>()).ToList();
        Assert.True(loss[^1] < loss[0], string.Join(", ", loss));
        Assert.Contains("Sample at temperature 0.5", output);
        Assert.Contains("Sample at temperature 1.0", output);
        Assert.Contains("Held-out bits per character:", output);

        // The saved model and vectorizer predict as the run did: the vectorizer's characters come back with it.
        var model = Model.Load(Path.Combine(dir.File("run"), "model.dsm"));
        var vectorizer = TextVectorization.Load(Path.Combine(dir.File("run"), "vectorizer.json"));
        Assert.Equal(metrics["vocabulary_size"]!.GetValue<int>(), vectorizer.VocabularySize);
        Assert.Equal(new TensorShape(1, 24, vectorizer.VocabularySize), model.Predict(vectorizer.Call("the cat sat on the mat.\n"), verbose: 0).Shape);
    }

    [Fact]
    public void Image_options_and_a_missing_corpus_are_refused()
    {
        var (code, _, error) = CliInProcess.Run("train", "charlm", "--dataset", "mnist");
        Assert.Equal(2, code);
        Assert.Contains("--dataset does not apply", error);
        (code, _, error) = CliInProcess.Run("train", "charlm", "--corpus", "/no/such/corpus");
        Assert.Equal(2, code);
        Assert.Contains("'/no/such/corpus' does not exist", error);
        (code, _, error) = CliInProcess.Run("train", "charlm", "--temperatures", "0.5,-1");
        Assert.Equal(2, code);
        Assert.Contains("--temperatures", error);
    }
}
