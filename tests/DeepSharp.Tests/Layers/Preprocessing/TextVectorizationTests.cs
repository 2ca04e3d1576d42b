using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Layers;

/// <summary>
/// TextVectorization against Keras' documented behaviour: the cases of its docstring and of
/// keras/src/layers/preprocessing/text_vectorization_test.py, with the values Keras gives.
/// </summary>
public class TextVectorizationTests
{
    private static float[][] Rows(Tensor t)
    {
        var values = t.ToArray();
        int width = t.Shape[1];
        return Enumerable.Range(0, t.Shape[0]).Select(i => values.Skip(i * width).Take(width).ToArray()).ToArray();
    }

    [Fact]
    public void Adapt_sorts_by_count_then_token_descending_as_keras_docstring()
    {
        var layer = new TextVectorization(maxTokens: 5000, outputSequenceLength: 4);
        layer.Adapt(["foo bar", "bar baz", "baz bada boom"]);
        Assert.Equal(["", "[UNK]", "baz", "bar", "foo", "boom", "bada"], layer.GetVocabulary());
        Assert.Equal([[4f, 1, 3, 0], [1f, 2, 0, 0]], Rows(layer.Call(["foo qux bar", "qux baz"])));
        Assert.Equal(7, layer.VocabularySize);
    }

    [Fact]
    public void Given_or_set_vocabulary_gives_the_same_indices()
    {
        var given = new TextVectorization(maxTokens: 5000, outputSequenceLength: 4, vocabulary: ["baz", "bar", "foo"]);
        var set = new TextVectorization(maxTokens: 5000, outputSequenceLength: 4);
        set.SetVocabulary(["baz", "bar", "foo"]);
        foreach (var layer in new[] { given, set })
            Assert.Equal([[4f, 1, 3, 0], [1f, 2, 0, 0]], Rows(layer.Call(["foo qux bar", "qux baz"])));
        var earth = new TextVectorization(vocabulary: ["earth", "wind", "and", "fire"]);
        Assert.Equal(["", "[UNK]", "earth", "wind", "and", "fire"], earth.GetVocabulary());
        Assert.Equal(["earth", "wind", "and", "fire"], earth.GetVocabulary(includeSpecialTokens: false));
        // The special tokens may open a given vocabulary: they are recognised, not repeated.
        Assert.Equal(earth.GetVocabulary(), new TextVectorization(vocabulary: earth.GetVocabulary()).GetVocabulary());
        Assert.Equal(5, new TextVectorization(vocabulary: ["foo", "bar", "baz"]).VocabularySize);
    }

    [Fact]
    public void Standardize_modes_as_keras()
    {
        const string Text = "Hello, World!. This is just a nice test!";
        var stripped = new TextVectorization(vocabulary: ["hello", "world", "this", "is", "nice", "test"]);
        Assert.Equal([[2f, 3, 4, 5, 1, 1, 6, 7]], Rows(stripped.Call(Text)));
        var lower = new TextVectorization(standardize: "lower", vocabulary: ["hello,", "hello", "world", "this", "is", "nice", "test"]);
        Assert.Equal([[2f, 1, 5, 6, 1, 1, 7, 1]], Rows(lower.Call(Text)));
        var punctuation = new TextVectorization(standardize: "strip_punctuation", vocabulary: ["Hello", "World", "Test"]);
        Assert.Equal([[2f, 3, 4]], Rows(punctuation.Call("Hello, World! Test.")));
        var none = new TextVectorization(standardize: null, vocabulary: ["Hello", "world"]);
        Assert.Equal([[2f, 1]], Rows(none.Call("Hello hello")));
        // tf.strings.lower without an encoding lowercases ASCII only; every ASCII punctuation mark goes, others stay.
        Assert.Equal(["École", "naÏve", "«x»"], new TextVectorization().Tokenize("École NAÏVE «x»!?"));
        Assert.Equal(["ab"], new TextVectorization().Tokenize("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ab"));
    }

    [Fact]
    public void Character_split_and_no_split()
    {
        var characters = new TextVectorization(split: "character", vocabulary: ["a", "b", "c", "d", "e"]);
        Assert.Equal([[2f, 3, 4, 1]], Rows(characters.Call("abcf")));
        // A character is a code point: a surrogate pair is one token; spaces are tokens too.
        Assert.Equal(["a", " ", "😀", "b"], new TextVectorization(standardize: null, split: "character").Tokenize("a 😀b"));
        var whole = new TextVectorization(split: null, vocabulary: ["foo", "bar", "baz"]);
        Assert.Equal([[2f], [3f], [1f]], Rows(whole.Call(["foo", "bar", "unknown"])));
        // Whitespace is ASCII's, runs of it are one separator, and the ends are stripped.
        Assert.Equal(["a", "b", "c"], new TextVectorization().Tokenize("  a \t\n b\r\f\vc  "));
    }

    [Fact]
    public void Sequences_pad_to_the_longest_or_cut_to_the_output_length()
    {
        var vocabulary = new[] { "baz", "bar", "foo" };
        Assert.Equal([[4f, 1, 3], [1f, 2, 0], [4f, 0, 0]], Rows(new TextVectorization(vocabulary: vocabulary).Call(["foo qux bar", "qux baz", "foo"])));
        Assert.Equal([[4f, 1], [1f, 2], [4f, 0]], Rows(new TextVectorization(outputSequenceLength: 2, vocabulary: vocabulary).Call(["foo qux bar", "qux baz", "foo"])));
        Assert.Equal(new TensorShape(2, 0), new TextVectorization(vocabulary: vocabulary).Call(["", "  "]).Shape);
        // No split: the empty string is the padding token, index 0.
        Assert.Equal([[0f]], Rows(new TextVectorization(split: null, vocabulary: vocabulary).Call("")));
    }

    [Fact]
    public void Multi_hot_and_count_as_keras()
    {
        var multiHot = new TextVectorization(outputMode: "multi_hot", vocabulary: ["foo", "bar", "baz"]);
        Assert.Equal(["[UNK]", "foo", "bar", "baz"], multiHot.GetVocabulary());
        Assert.Equal([[0f, 1, 1, 0], [0f, 1, 0, 1]], Rows(multiHot.Call(["foo bar", "baz foo foo"])));
        var count = new TextVectorization(outputMode: "count", vocabulary: ["foo", "bar", "baz"]);
        Assert.Equal([[0f, 1, 1, 0], [0f, 2, 0, 1], [2f, 0, 0, 0]], Rows(count.Call(["foo bar", "baz foo foo", "x y"])));
        var padded = new TextVectorization(maxTokens: 8, outputMode: "multi_hot", padToMaxTokens: true, vocabulary: ["foo", "bar"]);
        Assert.Equal(new TensorShape(1, 8), padded.Call("foo bar").Shape);
        // Adapting in these modes reserves one special token, not two.
        var adapted = new TextVectorization(maxTokens: 3, outputMode: "count");
        adapted.Adapt(["a a b c"]);
        Assert.Equal(["[UNK]", "a", "c"], adapted.GetVocabulary());
    }

    [Fact]
    public void Max_tokens_caps_the_adapted_vocabulary()
    {
        var layer = new TextVectorization(maxTokens: 5);
        layer.Adapt(["a b c d e f g h i j"]);
        Assert.Equal(["", "[UNK]", "j", "i", "h"], layer.GetVocabulary());
        // Adapting again replaces the vocabulary; "[UNK]" loses its brackets to the punctuation stripping, as in Keras.
        layer.Adapt(["[UNK] x x y"]);
        Assert.Equal(["", "[UNK]", "x", "y", "unk"], layer.GetVocabulary());
        // Data without tokens leaves the vocabulary as it was.
        layer.Adapt(["", "  ! "]);
        Assert.Equal(["", "[UNK]", "x", "y", "unk"], layer.GetVocabulary());
        // The special tokens themselves are never learned.
        var raw = new TextVectorization(standardize: null);
        raw.Adapt(["[UNK] x [UNK]"]);
        Assert.Equal(["", "[UNK]", "x"], raw.GetVocabulary());
    }

    [Fact]
    public void Config_and_vocabulary_round_trip_through_save_and_load()
    {
        var adapted = new TextVectorization(maxTokens: 40, standardize: null, split: "character", outputSequenceLength: 6);
        adapted.Adapt(["Hello, world", "Ünïcode 😀"]);
        var copy = LayerRoundTrip.Of(adapted);
        Assert.Equal(adapted.GetVocabulary(), copy.GetVocabulary());
        Assert.False(copy.HasInputVocabulary);
        copy.Adapt(["abc"]); // an adapted layer stays adaptable after a reload

        var given = new TextVectorization(outputMode: "count", maxTokens: 10, padToMaxTokens: true, vocabulary: ["x", "y"], name: "tv_given");
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-tv-{Guid.NewGuid():N}.json");
        try
        {
            adapted.Save(path);
            var loaded = TextVectorization.Load(path);
            Assert.Equal(adapted.GetConfig().ToJsonString(), loaded.GetConfig().ToJsonString());
            Assert.Equal(adapted.Call(["Hello 😀", "x"]).ToArray(), loaded.Call(["Hello 😀", "x"]).ToArray());
            given.Save(path);
            var reloaded = TextVectorization.Load(path);
            Assert.True(reloaded.HasInputVocabulary);
            Assert.Equal(given.Call("y y x z").ToArray(), reloaded.Call("y y x z").ToArray());
            File.WriteAllText(path, """{"class_name": "Dense", "config": {}}""");
            Assert.Contains("class_name", Assert.Throws<InvalidDataException>(() => TextVectorization.Load(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Keras_configuration_is_read_strictly()
    {
        static JsonObject Config(string json) => (JsonObject)JsonNode.Parse(json)!;
        var keras = TextVectorization.FromConfig(Config("""
            {"name": "tv", "trainable": true, "max_tokens": null, "standardize": "lower_and_strip_punctuation", "split": "whitespace",
             "ngrams": null, "output_mode": "int", "output_sequence_length": 5, "pad_to_max_tokens": false, "sparse": false,
             "ragged": false, "vocabulary": ["one", "two"], "idf_weights": null, "encoding": "utf-8", "vocabulary_size": 4}
            """));
        Assert.Equal([[2f, 3, 1, 0, 0]], Rows(keras.Call("One two three")));
        Assert.True(keras.HasInputVocabulary);
        Assert.Contains("ngrams", Assert.Throws<FormatException>(() => TextVectorization.FromConfig(Config("""{"name": "tv", "ngrams": 2}"""))).Message);
        Assert.Contains("tf_idf", Assert.Throws<FormatException>(() => TextVectorization.FromConfig(Config("""{"name": "tv", "output_mode": "tf_idf"}"""))).Message);
        Assert.Contains("standardize", Assert.Throws<FormatException>(() => TextVectorization.FromConfig(Config("""{"name": "tv", "standardize": {"class_name": "f"}}"""))).Message);
        Assert.Contains("vocabulary_size", Assert.Throws<FormatException>(() => TextVectorization.FromConfig(Config("""{"name": "tv", "vocabulary": ["a"], "vocabulary_size": 9}"""))).Message);
        Assert.Contains("unknown key 'bogus'", Assert.Throws<FormatException>(() => TextVectorization.FromConfig(Config("""{"name": "tv", "bogus": 1}"""))).Message);
    }

    [Fact]
    public void Bad_arguments_and_uses_are_refused_with_the_values()
    {
        Assert.Contains("maxTokens", Assert.Throws<ArgumentOutOfRangeException>(() => new TextVectorization(maxTokens: 1)).Message);
        Assert.Contains("\"upper\"", Assert.Throws<ArgumentException>(() => new TextVectorization(standardize: "upper")).Message);
        Assert.Contains("\"words\"", Assert.Throws<ArgumentException>(() => new TextVectorization(split: "words")).Message);
        Assert.Contains("\"tf_idf\"", Assert.Throws<ArgumentException>(() => new TextVectorization(outputMode: "tf_idf")).Message);
        Assert.Contains("only for outputMode \"int\"", Assert.Throws<ArgumentException>(() => new TextVectorization(outputMode: "count", outputSequenceLength: 3)).Message);
        Assert.Contains("got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new TextVectorization(outputSequenceLength: 0)).Message);
        Assert.Contains("padToMaxTokens", Assert.Throws<ArgumentException>(() => new TextVectorization(outputMode: "count", padToMaxTokens: true)).Message);
        Assert.Contains("\"a\"", Assert.Throws<ArgumentException>(() => new TextVectorization(vocabulary: ["a", "b", "a"])).Message);
        Assert.Contains("index 1", Assert.Throws<ArgumentException>(() => new TextVectorization(vocabulary: ["a", ""])).Message);
        Assert.Contains("larger than maxTokens 3", Assert.Throws<ArgumentException>(() => new TextVectorization(maxTokens: 3, vocabulary: ["a", "b"])).Message);
        Assert.Contains("empty vocabulary", Assert.Throws<ArgumentException>(() => new TextVectorization(vocabulary: [])).Message);
        Assert.Contains("Adapt", Assert.Throws<InvalidOperationException>(() => new TextVectorization().Call("text")).Message);
        Assert.Contains("nothing to adapt", Assert.Throws<InvalidOperationException>(() => new TextVectorization(vocabulary: ["a"]).Adapt(["b"])).Message);
        // A tensor is refused, inside a model or alone, with the way to use the layer.
        var layer = new TextVectorization(vocabulary: ["a"], name: "tv_tensor");
        Assert.Contains("takes strings", Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Zeros(2, 3))).Message);
        Assert.Contains("takes strings", Assert.Throws<ArgumentException>(() => new Sequential(new Input([3]), layer)).Message);
    }

    [Fact]
    public void Vectorized_text_feeds_an_embedding_model() => TrainOnVectorizedText(3);

    private static void TrainOnVectorizedText(int seed)
    {
        RandomGenerator.SetSeed(seed);
        var vectorizer = new TextVectorization(maxTokens: 20, outputSequenceLength: 5);
        string[] texts = ["good fine great", "bad awful poor", "great good", "poor bad awful bad"];
        vectorizer.Adapt(texts);
        var model = new Sequential(new Embedding(vectorizer.VocabularySize, 4), new GlobalAveragePooling1D(), new Dense(2, activation: "softmax"));
        model.Compile(optimizer: new Adam(learningRate: 0.1), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
        var x = vectorizer.Call(texts);
        var y = Tensor.FromArray([0f, 1, 0, 1], 4);
        model.Fit(x, y, epochs: 30, batchSize: 4, verbose: 0, seed: 1);
        Assert.Equal(1.0, model.Evaluate(x, y, verbose: 0).Values[1].Value);
    }
}
