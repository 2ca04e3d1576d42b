using DeepSharp.Examples;

namespace DeepSharp.Tests.Examples.Text;

/// <summary>The corpus of train charlm: pieces, the deterministic held-out split, the fortunes Debian installs.</summary>
public class TextCorpusTests
{
    [Fact]
    public void Every_tenth_fortune_is_held_out_and_each_piece_ends_with_a_percent_line()
    {
        using var dir = new Plots.TempDirectory();
        var lines = Enumerable.Range(0, 25).Select(i => $"fortune {i}\n  second line\n%\n");
        File.WriteAllText(dir.File("cookies"), "\n" + string.Concat(lines) + "\n%\n");
        var corpus = TextCorpus.Load(dir.File("cookies"));
        Assert.Equal((23, 2), (corpus.TrainPieces, corpus.HeldOutPieces)); // the empty piece between "%" lines is dropped
        Assert.Equal("fortune 9\n  second line\n%\nfortune 19\n  second line\n%\n", corpus.HeldOut);
        Assert.StartsWith("fortune 0\n  second line\n%\nfortune 1\n", corpus.Train);
        Assert.DoesNotContain("fortune 9\n", corpus.Train);
        Assert.Equal(corpus.Train, TextCorpus.Load(dir.File("cookies")).Train);
    }

    [Fact]
    public void A_folder_reads_its_fortune_files_in_name_order_and_plain_text_splits_into_paragraphs()
    {
        using var dir = new Plots.TempDirectory();
        File.WriteAllText(dir.File("b"), string.Concat(Enumerable.Range(0, 6).Select(i => $"b{i}\n%\n")));
        File.WriteAllText(dir.File("a"), string.Concat(Enumerable.Range(0, 6).Select(i => $"a{i}\n%\n")));
        File.WriteAllText(dir.File("a.dat"), "index");
        File.WriteAllText(dir.File("b.dat"), "index");
        File.WriteAllText(dir.File("notes"), "not a fortune file: no .dat beside it");
        var corpus = TextCorpus.Load(dir.Path);
        Assert.Equal([dir.File("a"), dir.File("b")], corpus.Files);
        Assert.Equal("b3\n%\n", corpus.HeldOut);

        File.WriteAllText(dir.File("plain.txt"), string.Concat(Enumerable.Range(0, 12).Select(i => $"paragraph {i}\nline\n\n\n")));
        var plain = TextCorpus.Load(dir.File("plain.txt"));
        Assert.Equal("paragraph 9\nline\n%\n", plain.HeldOut);
        File.WriteAllText(dir.File("short.txt"), "one\n\ntwo\n");
        Assert.Contains("at least 10", Assert.Throws<InvalidDataException>(() => TextCorpus.Load(dir.File("short.txt"))).Message);
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => TextCorpus.Load(dir.File("missing"))).Message);
    }

    [Fact]
    public void The_fortunes_debian_installs_are_the_default_corpus()
    {
        Assert.True(Directory.Exists(TextCorpus.FortunesDirectory),
            $"{TextCorpus.FortunesDirectory} is missing: run tools/install-fortunes.sh (apt-get install fortunes), as .ci/run does.");
        var corpus = TextCorpus.Load();
        Assert.Contains(corpus.Files, f => Path.GetFileName(f) == "fortunes");
        Assert.DoesNotContain(corpus.Files, f => f.EndsWith(".dat", StringComparison.Ordinal) || f.EndsWith(".u8", StringComparison.Ordinal));
        Assert.True(corpus.HeldOutPieces >= 100, $"{corpus.HeldOutPieces} held-out fortunes");
        Assert.InRange((double)corpus.HeldOut.Length / (corpus.Train.Length + corpus.HeldOut.Length), 0.05, 0.15);
    }
}
