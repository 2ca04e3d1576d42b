using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Text to integer sequences, as Keras' <c>TextVectorization</c>: each string is standardized (lowercased, punctuation
/// stripped), split into tokens (words or characters) and each token replaced by its index in a vocabulary learned by
/// <see cref="Adapt"/> or given. In "int" mode index 0 is the padding token "" and 1 the out-of-vocabulary token
/// "[UNK]"; a batch of strings becomes [batch, length], padded with 0 (or cut) to <see cref="OutputSequenceLength"/> or
/// to its longest string. "multi_hot" and "count" give one row of vocabulary size per string instead.
/// <c>split: "character"</c> is the character-level variant.
/// </summary>
/// <remarks>
/// <para>
/// Strings are not tensors in DeepSharp, so this layer is called on strings, before the model, as Keras recommends on
/// every backend but TensorFlow (<c>x = vectorizer(texts)</c>, then <c>model.Fit(x, y)</c>):
/// <see cref="Call(IReadOnlyList{string})"/> returns the tensor the model's <see cref="Embedding"/> takes. It cannot be a
/// layer inside a model (calling it on a tensor explains so); it saves with its vocabulary through
/// <see cref="Save"/> / <see cref="Load"/> or its configuration (<see cref="GetConfig"/>).
/// </para>
/// <para>
/// As TensorFlow's string ops that Keras calls: lowercasing and whitespace are ASCII only (<c>tf.strings.lower</c>,
/// <c>tf.strings.split</c>), the punctuation stripped is ASCII's (Python's <c>string.punctuation</c>), and a character
/// is a Unicode code point (<c>tf.strings.unicode_split</c>). Adapting sorts tokens by count, most frequent first, ties
/// by the token itself in descending code-point order, and keeps the first <c>maxTokens</c> minus the special tokens.
/// </para>
/// </remarks>
public sealed class TextVectorization : Layer
{
    /// <summary>The padding token, index 0 in "int" mode (Keras' mask token).</summary>
    public const string PaddingToken = "";

    /// <summary>The out-of-vocabulary token: index 1 in "int" mode, 0 in the others.</summary>
    public const string OovToken = "[UNK]";

    /// <summary>Keras' <c>string.punctuation</c>, which "strip_punctuation" removes.</summary>
    private const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private const long MaxFileBytes = 1L << 28;

    private static readonly string[] Standardizations = ["lower_and_strip_punctuation", "lower", "strip_punctuation"];
    private static readonly string[] Splits = ["whitespace", "character"];
    private static readonly string[] OutputModes = ["int", "multi_hot", "count"];

    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _tokens = [];
    private bool _hasVocabulary;

    /// <summary>Creates the layer; arguments and defaults as Keras' TextVectorization.</summary>
    /// <param name="maxTokens">The largest vocabulary, special tokens included (more than 1); null for no limit.</param>
    /// <param name="standardize">"lower_and_strip_punctuation" (default), "lower", "strip_punctuation", or null for none.</param>
    /// <param name="split">"whitespace" (default), "character", or null: the whole string is one token.</param>
    /// <param name="outputMode">"int" (default), "multi_hot" or "count".</param>
    /// <param name="outputSequenceLength">"int" mode only: pad or cut every sequence to this length; null pads to the longest of the batch.</param>
    /// <param name="padToMaxTokens">"multi_hot" and "count": rows of <paramref name="maxTokens"/> values whatever the vocabulary's size.</param>
    /// <param name="vocabulary">The vocabulary, instead of <see cref="Adapt"/> (see <see cref="SetVocabulary"/>); the layer then cannot be adapted.</param>
    /// <param name="name">Layer name (default "text_vectorization", ...).</param>
    public TextVectorization(int? maxTokens = null, string? standardize = "lower_and_strip_punctuation", string? split = "whitespace",
        string outputMode = "int", int? outputSequenceLength = null, bool padToMaxTokens = false, IEnumerable<string>? vocabulary = null,
        string? name = null)
        : base(name)
    {
        if (maxTokens is <= 1)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens,
                $"TextVectorization: maxTokens, if set, must be greater than 1 (it counts the special tokens); got {maxTokens}.");
        if (standardize is not null && !Standardizations.Contains(standardize))
            throw new ArgumentException(
                $"TextVectorization: standardize must be {Quoted(Standardizations)} or null; got \"{standardize}\".", nameof(standardize));
        if (split is not null && !Splits.Contains(split))
            throw new ArgumentException($"TextVectorization: split must be {Quoted(Splits)} or null; got \"{split}\".", nameof(split));
        ArgumentNullException.ThrowIfNull(outputMode);
        if (!OutputModes.Contains(outputMode))
            throw new ArgumentException(
                $"TextVectorization: outputMode must be {Quoted(OutputModes)} (\"tf_idf\" and \"one_hot\" are not supported); got \"{outputMode}\".",
                nameof(outputMode));
        if (outputSequenceLength is not null && outputMode != "int")
            throw new ArgumentException(
                $"TextVectorization: outputSequenceLength is only for outputMode \"int\"; got {outputSequenceLength} with \"{outputMode}\".",
                nameof(outputSequenceLength));
        if (outputSequenceLength is <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputSequenceLength), outputSequenceLength,
                $"TextVectorization: outputSequenceLength must be a positive integer or null; got {outputSequenceLength}.");
        if (padToMaxTokens && maxTokens is null)
            throw new ArgumentException("TextVectorization: padToMaxTokens needs maxTokens; got maxTokens null.", nameof(padToMaxTokens));
        MaxTokens = maxTokens;
        Standardize = standardize;
        Split = split;
        OutputMode = outputMode;
        OutputSequenceLength = outputSequenceLength;
        PadToMaxTokens = padToMaxTokens;
        if (vocabulary is not null)
        {
            SetVocabulary(vocabulary);
            HasInputVocabulary = true;
        }
    }

    /// <summary>The largest vocabulary, special tokens included; null for no limit.</summary>
    public int? MaxTokens { get; }

    /// <summary>"lower_and_strip_punctuation", "lower", "strip_punctuation", or null.</summary>
    public string? Standardize { get; }

    /// <summary>"whitespace", "character", or null.</summary>
    public string? Split { get; }

    /// <summary>"int", "multi_hot" or "count".</summary>
    public string OutputMode { get; }

    /// <summary>The length of every sequence in "int" mode; null pads to the longest of each batch.</summary>
    public int? OutputSequenceLength { get; }

    /// <summary>Whether "multi_hot" and "count" rows have <see cref="MaxTokens"/> values.</summary>
    public bool PadToMaxTokens { get; }

    /// <summary>Whether the vocabulary was given to the constructor (such a layer is not adapted, as in Keras).</summary>
    public bool HasInputVocabulary { get; }

    /// <summary>How many special tokens open the vocabulary: "" and "[UNK]" in "int" mode, "[UNK]" in the others.</summary>
    private int SpecialTokens => OutputMode == "int" ? 2 : 1;

    /// <summary>The size of the vocabulary, special tokens included (Keras' <c>vocabulary_size()</c>).</summary>
    public int VocabularySize => SpecialTokens + _tokens.Count;

    /// <summary>
    /// The vocabulary in index order: with <paramref name="includeSpecialTokens"/> (default) a token's position is its
    /// index ("" and "[UNK]" first in "int" mode, "[UNK]" in the others); without, the learned or given tokens only.
    /// </summary>
    public IReadOnlyList<string> GetVocabulary(bool includeSpecialTokens = true)
    {
        if (!includeSpecialTokens) return _tokens.ToArray();
        var vocabulary = new List<string>(VocabularySize);
        if (OutputMode == "int") vocabulary.Add(PaddingToken);
        vocabulary.Add(OovToken);
        vocabulary.AddRange(_tokens);
        return vocabulary;
    }

    /// <summary>
    /// Sets the vocabulary, replacing any (Keras' <c>set_vocabulary</c>). The special tokens may open the list, in the
    /// order <see cref="GetVocabulary"/> gives them; the rest must be distinct, must not contain the padding token "",
    /// and must fit in <see cref="MaxTokens"/> with the special tokens.
    /// </summary>
    public void SetVocabulary(IEnumerable<string> vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        var terms = vocabulary.ToList();
        if (terms.Count == 0) throw new ArgumentException($"{Label}: cannot set an empty vocabulary.", nameof(vocabulary));
        if (terms.Any(t => t is null)) throw new ArgumentException($"{Label}: the vocabulary holds a null term.", nameof(vocabulary));
        var special = GetVocabulary().Take(SpecialTokens).ToList();
        if (terms.Count >= special.Count && terms.Take(special.Count).SequenceEqual(special, StringComparer.Ordinal))
            terms = terms.Skip(special.Count).ToList();
        var repeated = terms.GroupBy(t => t, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0)
            throw new ArgumentException($"{Label}: the vocabulary repeats {Quoted(repeated.Take(5))}; every term must be distinct.", nameof(vocabulary));
        if (terms.Contains(PaddingToken))
            throw new ArgumentException(
                $"{Label}: the padding token \"\" is at index {terms.IndexOf(PaddingToken)} of the tokens; it may only open the vocabulary, " +
                $"followed by the other special tokens in this order: {Quoted(special)}.", nameof(vocabulary));
        if (MaxTokens is { } max && special.Count + terms.Count > max)
            throw new ArgumentException(
                $"{Label}: a vocabulary of {special.Count + terms.Count} terms (special tokens included) is larger than maxTokens {max}.", nameof(vocabulary));
        Replace(terms);
    }

    /// <summary>
    /// Learns the vocabulary from <paramref name="data"/>, one document per string (Keras' <c>adapt</c>): every token
    /// the standardize and split steps give, most frequent first (ties: the token in descending code-point order), cut
    /// to <see cref="MaxTokens"/>. Replaces the vocabulary; data without any token leaves it as it was.
    /// </summary>
    /// <exception cref="InvalidOperationException">The vocabulary was given to the constructor.</exception>
    public void Adapt(IEnumerable<string> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (HasInputVocabulary)
            throw new InvalidOperationException($"{Label} was given its vocabulary when it was made; it has nothing to adapt.");
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in data)
        {
            if (text is null) throw new ArgumentException($"{Label}: adapt received a null string.", nameof(data));
            foreach (var token in Tokenize(text))
                counts[token] = counts.GetValueOrDefault(token) + 1;
        }
        counts.Remove(PaddingToken);
        counts.Remove(OovToken);
        if (counts.Count == 0) return;
        var sorted = counts.OrderByDescending(c => c.Value).ThenByDescending(c => c.Key, CodePointComparer.Instance).Select(c => c.Key);
        if (MaxTokens is { } max) sorted = sorted.Take(max - SpecialTokens);
        Replace(sorted.ToList());
    }

    private void Replace(List<string> tokens)
    {
        _tokens.Clear();
        _tokens.AddRange(tokens);
        _index.Clear();
        for (int i = 0; i < tokens.Count; i++) _index[tokens[i]] = SpecialTokens + i;
        _hasVocabulary = true;
    }

    /// <summary>The tokens of one string after the standardize and split steps (Keras' preprocessing before the lookup).</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var standardized = StandardizeText(text);
        var tokens = new List<string>();
        switch (Split)
        {
            case null:
                tokens.Add(standardized);
                break;
            case "whitespace":
                foreach (var word in standardized.Split(AsciiWhitespace, StringSplitOptions.RemoveEmptyEntries)) tokens.Add(word);
                break;
            default:
                foreach (var rune in standardized.EnumerateRunes()) tokens.Add(rune.ToString());
                break;
        }
        return tokens;
    }

    private static readonly char[] AsciiWhitespace = [' ', '\t', '\n', '\v', '\f', '\r'];

    private string StandardizeText(string text)
    {
        if (Standardize is null) return text;
        bool lower = Standardize != "strip_punctuation", strip = Standardize != "lower";
        var result = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (strip && Punctuation.Contains(c)) continue;
            result.Append(lower && c is >= 'A' and <= 'Z' ? (char)(c + ('a' - 'A')) : c);
        }
        return result.ToString();
    }

    /// <summary>The index of one token: its place in the vocabulary, "" → 0 in "int" mode, any other unknown token → the OOV index.</summary>
    public int IndexOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_index.TryGetValue(token, out int index)) return index;
        if (token.Length == 0 && OutputMode == "int") return 0;
        return OutputMode == "int" ? 1 : 0;
    }

    /// <summary>One string vectorized: a batch of one (Keras' <c>vectorizer([text])</c>).</summary>
    public Tensor Call(string text) => Call([text ?? throw new ArgumentNullException(nameof(text))]);

    /// <summary>
    /// Vectorizes a batch of strings (Keras' <c>vectorizer(texts)</c>): in "int" mode [batch, length] token indices,
    /// padded with 0 to <see cref="OutputSequenceLength"/> (longer sequences are cut) or to the batch's longest; in
    /// "multi_hot" and "count" [batch, <see cref="VocabularySize"/>] (or <see cref="MaxTokens"/> with
    /// <see cref="PadToMaxTokens"/>) with 1 for each token present, or its count (the padding token "" is dropped).
    /// Values are whole numbers stored as floats, ready for an <see cref="Embedding"/> or a Dense layer.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer has no vocabulary yet: adapt it or give one.</exception>
    public Tensor Call(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (!_hasVocabulary)
            throw new InvalidOperationException($"{Label} has no vocabulary yet: call Adapt(texts) or give one (vocabulary: or SetVocabulary) first.");
        var sequences = new List<int>[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            if (texts[i] is null) throw new ArgumentException($"{Label}: the string at index {i} is null.", nameof(texts));
            var tokens = Tokenize(texts[i]);
            var ids = new List<int>(tokens.Count);
            foreach (var token in tokens)
                if (OutputMode == "int" || token.Length > 0) ids.Add(IndexOf(token));
            sequences[i] = ids;
        }
        if (OutputMode == "int")
        {
            int length = OutputSequenceLength ?? (sequences.Length == 0 ? 0 : sequences.Max(s => s.Count));
            var values = new float[(long)texts.Count * length];
            for (int i = 0; i < sequences.Length; i++)
                for (int t = 0; t < Math.Min(length, sequences[i].Count); t++) values[(long)i * length + t] = sequences[i][t];
            return Tensor.FromArray(values, texts.Count, length);
        }
        int depth = PadToMaxTokens ? MaxTokens!.Value : VocabularySize;
        var rows = new float[(long)texts.Count * depth];
        for (int i = 0; i < sequences.Length; i++)
            foreach (int id in sequences[i])
            {
                ref float cell = ref rows[(long)i * depth + id];
                cell = OutputMode == "count" ? cell + 1 : 1;
            }
        return Tensor.FromArray(rows, texts.Count, depth);
    }

    /// <summary>Refuses tensors: this layer takes strings (see <see cref="Call(IReadOnlyList{string})"/>).</summary>
    /// <exception cref="ArgumentException">Always: a tensor holds numbers, not text.</exception>
    public override TensorShape ComputeOutputShape(TensorShape inputShape) =>
        throw new ArgumentException(
            $"{Label} takes strings, not tensors: vectorize the text before the model (x = layer.Call(texts)) and start the model with the " +
            "layer that takes the indices (an Embedding), as Keras recommends outside TensorFlow.");

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        ComputeOutputShape(SampleShape(inputs.Shape));
        return inputs;
    }

    /// <summary>
    /// Keras' configuration, with the vocabulary (without special tokens) under "vocabulary" whether given or adapted, and
    /// "has_input_vocabulary" telling which, so that a restored layer is the same (Keras keeps an adapted one in the
    /// archive's assets instead; a DeepSharp layer has no archive of its own).
    /// </summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["max_tokens"] = MaxTokens;
        config["standardize"] = Standardize;
        config["split"] = Split;
        config["ngrams"] = null;
        config["output_mode"] = OutputMode;
        config["output_sequence_length"] = OutputSequenceLength;
        config["pad_to_max_tokens"] = PadToMaxTokens;
        config["sparse"] = false;
        config["ragged"] = false;
        config["vocabulary"] = _hasVocabulary ? new JsonArray(_tokens.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()) : null;
        config["idf_weights"] = null;
        config["encoding"] = "utf-8";
        config["vocabulary_size"] = VocabularySize;
        config["has_input_vocabulary"] = HasInputVocabulary;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> (or Keras) wrote, its vocabulary included.</summary>
    /// <exception cref="FormatException">A key is unknown or of the wrong type, or asks for what DeepSharp does not do (ngrams, sparse or ragged outputs, tf_idf, another encoding).</exception>
    public static TextVectorization FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(TextVectorization));
        int? maxTokens = r.Nullable<int>("max_tokens");
        string? standardize = NullableString(r, "standardize", "lower_and_strip_punctuation");
        string? split = NullableString(r, "split", "whitespace");
        if (r.TryGet("ngrams", out var ngrams) && ngrams is not null) throw r.Invalid("ngrams", ngrams, "null: DeepSharp's TextVectorization makes no ngrams");
        if (r.Optional("sparse", false)) throw r.Invalid("sparse", "true", "false: outputs are dense tensors");
        if (r.Optional("ragged", false)) throw r.Invalid("ragged", "true", "false: sequences are padded");
        if (r.TryGet("idf_weights", out var idf) && idf is not null) throw r.Invalid("idf_weights", idf, "null: \"tf_idf\" is not supported");
        if (r.OptionalString("encoding") is { } encoding && !encoding.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            throw r.Invalid("encoding", $"\"{encoding}\"", "\"utf-8\": .NET strings are Unicode");
        string outputMode = r.Optional("output_mode", "int");
        int? length = r.Nullable<int>("output_sequence_length");
        bool pad = r.Optional("pad_to_max_tokens", false);
        List<string>? vocabulary = null;
        if (r.TryGet("vocabulary", out var node) && node is not null)
        {
            if (node is not JsonArray array) throw r.Invalid("vocabulary", node, "a list of strings or null");
            vocabulary = array.Select(item => r.Value<string>("vocabulary", item)).ToList();
        }
        bool given = r.Optional("has_input_vocabulary", vocabulary is not null);
        int? size = r.Nullable<int>("vocabulary_size");
        TextVectorization layer;
        try
        {
            layer = new TextVectorization(maxTokens, standardize, split, outputMode, length, pad, given ? vocabulary : null, r.Name);
            if (!given && vocabulary is not null) layer.SetVocabulary(vocabulary);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{r.Owner}: the saved configuration is not valid: {e.Message}", e);
        }
        if (vocabulary is not null && size is { } saved && saved != layer.VocabularySize)
            throw r.Invalid("vocabulary_size", saved.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{layer.VocabularySize}, the size of the saved vocabulary with its special tokens");
        return r.Finish(layer);
    }

    /// <summary>A string, null, or <paramref name="fallback"/> when absent; callables (objects) are refused.</summary>
    private static string? NullableString(ConfigReader r, string key, string fallback)
    {
        if (!r.TryGet(key, out var node)) return fallback;
        return node is null ? null : r.Value<string>(key, node);
    }

    /// <summary>Writes the configuration and vocabulary to a JSON file (<c>{"class_name": "TextVectorization", "config": {...}}</c>), atomically.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var saved = new JsonObject { ["class_name"] = ClassName, ["config"] = GetConfig() };
        AtomicFile.WriteAllText(path, saved.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads a layer written by <see cref="Save"/>, strictly (unknown keys and values of the wrong type are refused).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a saved TextVectorization; the message names the file and what is wrong.</exception>
    public static TextVectorization Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"TextVectorization.Load: '{path}' does not exist.", path);
        if (info.Length > MaxFileBytes)
            throw new InvalidDataException($"TextVectorization file '{path}': {info.Length} bytes is more than a saved layer may hold ({MaxFileBytes}).");
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new FormatException("it is not a JSON object.");
            var entry = new ConfigReader(root, "A saved TextVectorization");
            string className = entry.Required<string>("class_name");
            if (className != nameof(TextVectorization)) throw entry.Invalid("class_name", $"\"{className}\"", "\"TextVectorization\"");
            var config = entry.Object("config") ?? throw entry.Missing("config");
            return entry.Finish(FromConfig(config));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new InvalidDataException($"TextVectorization file '{path}': {e.Message}", e);
        }
    }

    private static string Quoted(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"\"{v}\""));

    /// <summary>Orders strings by code point, as the UTF-8 bytes Keras sorts compare (UTF-16 order differs above U+D7FF).</summary>
    private sealed class CodePointComparer : IComparer<string>
    {
        public static readonly CodePointComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = x.AsSpan().EnumerateRunes();
            var b = y.AsSpan().EnumerateRunes();
            while (true)
            {
                bool hasA = a.MoveNext(), hasB = b.MoveNext();
                if (!hasA || !hasB) return hasA.CompareTo(hasB);
                int order = a.Current.Value.CompareTo(b.Current.Value);
                if (order != 0) return order;
            }
        }
    }
}
