using DeepSharp.Examples;

namespace DeepSharp.Tests.Examples.Text;

/// <summary>The pieces of the character language model: windows, the unigram baseline, sampling.</summary>
public class CharLanguageModelTests
{
    [Fact]
    public void Windows_pair_each_character_with_the_next()
    {
        var (x, y) = CharLanguageModel.Windows([2f, 3, 4, 5, 6, 7, 8, 9], 3);
        Assert.Equal(new TensorShape(2, 3), x.Shape);
        Assert.Equal([2f, 3, 4, 5, 6, 7], x.ToArray());
        Assert.Equal([3f, 4, 5, 6, 7, 8], y.ToArray());
        Assert.Contains("one window of 8", Assert.Throws<ArgumentException>(() => CharLanguageModel.Windows([1f, 2, 3], 8)).Message);
    }

    [Fact]
    public void The_unigram_baseline_is_the_smoothed_cross_entropy_of_the_character_frequencies()
    {
        // Train: index 2 three times, 3 once; vocabulary 4 (0 padding, 1 [UNK]): p = (c + 1) / (4 + 3).
        double bits = CharLanguageModel.UnigramBitsPerCharacter([2f, 2, 2, 3], [2f, 3], 4);
        Assert.Equal(-(Math.Log2(4 / 7.0) + Math.Log2(2 / 7.0)) / 2, bits, 12);
        Assert.Equal(2.0, CharLanguageModel.BitsPerCharacter(2 * Math.Log(2)), 12);
    }

    [Fact]
    public void Sampling_is_seeded_and_draws_characters_only()
    {
        RandomGenerator.SetSeed(2);
        var vectorizer = CharLanguageModel.Vectorizer();
        vectorizer.Adapt(["abcabc\n%\n"]);
        var model = CharLanguageModel.Build(vectorizer.VocabularySize, 8, 4);
        string[] contexts = ["abca", "bcab"];
        var first = CharLanguageModel.Sample(model, vectorizer, contexts, [0.5, 1.0], 4, 30, new RandomGenerator(7));
        var again = CharLanguageModel.Sample(model, vectorizer, contexts, [0.5, 1.0], 4, 30, new RandomGenerator(7));
        Assert.Equal(first, again);
        Assert.All(first, s => Assert.Equal(30, s.Length));
        Assert.All(first, s => Assert.All(s, c => Assert.Contains(c, "abc\n%")));
        Assert.Equal("b\n%\n", CharLanguageModel.ContextBeforePiece("ab\n%\nabc\n%\nx", 4, 0));
        Assert.Equal("ab", CharLanguageModel.ContextBeforePiece("ab", 4, 0));
    }
}
