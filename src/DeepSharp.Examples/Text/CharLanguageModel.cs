using System.Globalization;
using System.Text;

namespace DeepSharp.Examples;

/// <summary>
/// The character-level language model of <c>deepsharp train charlm</c>, <c>examples/CharLm</c> and the bench: characters
/// to indices (a character <see cref="TextVectorization"/>), windows of text and their next characters, the stacked LSTM,
/// bits per character, the unigram baseline, and temperature sampling.
/// </summary>
public static class CharLanguageModel
{
    /// <summary>
    /// The character vocabulary's largest size, special tokens included: the corpus' most frequent characters; rarer
    /// ones read as "[UNK]".
    /// </summary>
    public const int MaxTokens = 128;

    /// <summary>A TextVectorization of single characters, kept as they are (no lowercasing, punctuation and whitespace kept).</summary>
    public static TextVectorization Vectorizer(int maxTokens = MaxTokens) =>
        new(maxTokens: maxTokens, standardize: null, split: "character", name: "characters");

    /// <summary>
    /// Embedding(vocabulary, 32) → LSTM(units, sequences) → LSTM(units, sequences) → Dense(vocabulary): the logits of
    /// the next character at every step of a window of <paramref name="length"/> characters.
    /// </summary>
    public static Sequential Build(int vocabulary, int units, int length) => new(
        new Embedding(vocabulary, 32, inputShape: [length]),
        new LSTM(units, returnSequences: true),
        new LSTM(units, returnSequences: true),
        new Dense(vocabulary));

    /// <summary>The model of <see cref="Build"/>, compiled: Adam at <paramref name="learningRate"/> with gradients clipped to norm 1 (each weight's), cross-entropy on the logits.</summary>
    public static Sequential Compiled(int vocabulary, int units, int length, LearningRateSchedule learningRate)
    {
        var model = Build(vocabulary, units, length);
        model.Compile(optimizer: new Adam(learningRate: learningRate, clipNorm: 1f), loss: new SparseCategoricalCrossentropy(fromLogits: true),
            metrics: [Metrics.Get("accuracy")]);
        return model;
    }

    /// <summary>The indices of every character of <paramref name="text"/>.</summary>
    public static float[] Encode(TextVectorization vectorizer, string text)
    {
        ArgumentNullException.ThrowIfNull(vectorizer);
        ArgumentNullException.ThrowIfNull(text);
        return vectorizer.Call(text).ToArray();
    }

    /// <summary>
    /// Non-overlapping windows of <paramref name="length"/> indices (x) and the same windows one character later (y,
    /// the characters to predict): [windows, length] each; the tail that does not fill a window is left out.
    /// </summary>
    public static (Tensor X, Tensor Y) Windows(ReadOnlySpan<float> ids, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        int windows = Math.Max(0, (ids.Length - 1) / length);
        if (windows == 0)
            throw new ArgumentException($"CharLanguageModel: {ids.Length} characters do not fill one window of {length} and its next character.", nameof(ids));
        var x = new float[windows * length];
        var y = new float[windows * length];
        for (int w = 0; w < windows; w++)
        {
            ids.Slice(w * length, length).CopyTo(x.AsSpan(w * length));
            ids.Slice(w * length + 1, length).CopyTo(y.AsSpan(w * length));
        }
        return (Tensor.FromArray(x, windows, length), Tensor.FromArray(y, windows, length));
    }

    /// <summary>Bits per character of a cross-entropy in nats (Keras' loss is in nats).</summary>
    public static double BitsPerCharacter(double crossEntropyNats) => crossEntropyNats / Math.Log(2);

    /// <summary>
    /// The unigram baseline: bits per character of <paramref name="heldOut"/> under the character frequencies of
    /// <paramref name="train"/> (add-one smoothed over the <paramref name="vocabulary"/> indices but the padding 0), the
    /// best a model that ignores context can do.
    /// </summary>
    public static double UnigramBitsPerCharacter(ReadOnlySpan<float> train, ReadOnlySpan<float> heldOut, int vocabulary)
    {
        var counts = new double[vocabulary];
        foreach (float id in train) counts[(int)id]++;
        double total = train.Length + (vocabulary - 1);
        double bits = 0;
        foreach (float id in heldOut) bits -= Math.Log2((counts[(int)id] + 1) / total);
        return bits / heldOut.Length;
    }

    /// <summary>
    /// Continues each of <paramref name="contexts"/> (at least <paramref name="length"/> characters: the model reads the
    /// last <paramref name="length"/>) by <paramref name="count"/> characters drawn one at a time from the model's
    /// softmax at <paramref name="temperatures"/> (one per context; lower is more conservative), with
    /// <paramref name="generator"/>'s draws. Returns the generated text of each.
    /// </summary>
    public static string[] Sample(Model model, TextVectorization vectorizer, IReadOnlyList<string> contexts, IReadOnlyList<double> temperatures,
        int length, int count, RandomGenerator generator)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(temperatures);
        ArgumentNullException.ThrowIfNull(generator);
        if (contexts.Count != temperatures.Count)
            throw new ArgumentException($"CharLanguageModel.Sample: {contexts.Count} contexts and {temperatures.Count} temperatures; give one temperature per context.");
        var vocabulary = vectorizer.GetVocabulary();
        int rows = contexts.Count;
        var windows = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            var ids = Encode(vectorizer, contexts[r]);
            if (ids.Length < length)
                throw new ArgumentException($"CharLanguageModel.Sample: context {r} has {ids.Length} characters; the model reads windows of {length}.");
            windows[r] = ids[^length..];
        }
        var generated = Enumerable.Range(0, rows).Select(_ => new StringBuilder()).ToArray();
        var input = new float[rows * length];
        var probabilities = new double[vocabulary.Count];
        for (int step = 0; step < count; step++)
        {
            for (int r = 0; r < rows; r++) windows[r].CopyTo(input, r * length);
            float[] logits;
            using (Autograd.NoGrad())
            using (TensorScope.Begin())
                logits = model.Call(Tensor.FromArray(input, rows, length)).ToArray();
            for (int r = 0; r < rows; r++)
            {
                // The last step's logits over the vocabulary; "" (padding) and "[UNK]" are never drawn.
                int offset = (r * length + length - 1) * vocabulary.Count;
                double max = double.NegativeInfinity;
                for (int v = 2; v < vocabulary.Count; v++) max = Math.Max(max, logits[offset + v] / temperatures[r]);
                double sum = 0;
                for (int v = 0; v < vocabulary.Count; v++)
                    sum += probabilities[v] = v < 2 ? 0 : Math.Exp(logits[offset + v] / temperatures[r] - max);
                double draw = generator.NextDouble() * sum;
                int chosen = vocabulary.Count - 1;
                for (int v = 2; v < vocabulary.Count; v++)
                {
                    draw -= probabilities[v];
                    if (draw < 0)
                    {
                        chosen = v;
                        break;
                    }
                }
                generated[r].Append(vocabulary[chosen]);
                Array.Copy(windows[r], 1, windows[r], 0, length - 1);
                windows[r][length - 1] = chosen;
            }
        }
        return generated.Select(g => g.ToString()).ToArray();
    }

    /// <summary>
    /// The last <paramref name="length"/> characters of <paramref name="text"/> before its <paramref name="index"/>-th
    /// piece boundary (<see cref="TextCorpus.PieceEnd"/>) that has that many before it: a context after which the model
    /// starts a new piece (a fortune), or the text's start when none has.
    /// </summary>
    public static string ContextBeforePiece(string text, int length, int index)
    {
        ArgumentNullException.ThrowIfNull(text);
        int found = 0, position = text.IndexOf(TextCorpus.PieceEnd, StringComparison.Ordinal);
        int last = -1;
        while (position >= 0)
        {
            int end = position + TextCorpus.PieceEnd.Length;
            if (end >= length)
            {
                last = end;
                if (found++ == index) break;
            }
            position = text.IndexOf(TextCorpus.PieceEnd, end, StringComparison.Ordinal);
        }
        if (last < 0) return text[..Math.Min(length, text.Length)];
        return text[(last - length)..last];
    }

    /// <summary>A sample as one printable block: each line indented, control characters other than newline shown as '?'.</summary>
    public static string Printable(string sample, string indent = "  ")
    {
        var text = new StringBuilder();
        foreach (var line in sample.Split('\n'))
        {
            text.Append(indent);
            foreach (char c in line) text.Append(char.IsControl(c) && c != '\t' ? '?' : c);
            text.Append('\n');
        }
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>A temperature as printed ("0.8").</summary>
    public static string Format(double temperature) => temperature.ToString("0.0#", CultureInfo.InvariantCulture);
}
