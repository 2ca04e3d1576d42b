using System.Globalization;
using System.Text;

namespace DeepSharp.Cli.Prediction;

/// <summary>
/// The predictions of a classifier, one row per input: its name, the predicted class (the largest output; for a single
/// output, 1 when it is at least 0.5), the class's name when known, and the output of that class. Printed as an
/// aligned table or written as CSV; with <see cref="Probabilities"/>, every output too.
/// </summary>
public sealed class PredictionTable
{
    private readonly List<string> _names = [];
    private readonly List<float[]> _outputs = [];
    private readonly IReadOnlyList<string>? _classNames;

    /// <summary>A table for a model with <paramref name="outputs"/> outputs, naming classes after <paramref name="classNames"/> (or not, when null).</summary>
    public PredictionTable(int outputs, IReadOnlyList<string>? classNames, bool probabilities)
    {
        Outputs = outputs;
        _classNames = classNames;
        Probabilities = probabilities;
    }

    /// <summary>The model's outputs per input.</summary>
    public int Outputs { get; }

    /// <summary>Whether every output is shown, not only the predicted class's.</summary>
    public bool Probabilities { get; }

    /// <summary>The number of rows.</summary>
    public int Count => _names.Count;

    /// <summary>Adds a row per input of <paramref name="names"/>, with its outputs from <paramref name="y"/> ([N, outputs]).</summary>
    public void Add(IReadOnlyList<string> names, Tensor y)
    {
        var values = y.ToArray();
        for (int i = 0; i < names.Count; i++)
        {
            _names.Add(names[i]);
            _outputs.Add(values.AsSpan(i * Outputs, Outputs).ToArray());
        }
    }

    /// <summary>The predicted class of row <paramref name="row"/>.</summary>
    public int Class(int row)
    {
        var output = _outputs[row];
        if (Outputs == 1) return output[0] >= 0.5f ? 1 : 0;
        int best = 0;
        for (int c = 1; c < Outputs; c++) if (output[c] > output[best]) best = c;
        return best;
    }

    /// <summary>The output that chose row <paramref name="row"/>'s class (for one sigmoid output and class 0: 1 minus it).</summary>
    public float Score(int row) => Outputs == 1 && Class(row) == 0 ? 1 - _outputs[row][0] : _outputs[row][Outputs == 1 ? 0 : Class(row)];

    /// <summary>
    /// "probability" when every row looks like a probability distribution (softmax outputs: in [0, 1], summing to 1, or
    /// one sigmoid output in [0, 1]); otherwise "score" (logits, or a regression).
    /// </summary>
    public string ScoreName => _outputs.All(LooksLikeProbabilities) ? "probability" : "score";

    private bool LooksLikeProbabilities(float[] output) =>
        output.All(p => p is >= 0 and <= 1) && (Outputs == 1 || Math.Abs(output.Sum() - 1) < 1e-3);

    /// <summary>An aligned table with a header, as the terminal shows it.</summary>
    public void Print(TextWriter output)
    {
        var header = new List<string> { "input", "class" };
        if (_classNames is not null) header.Add("name");
        header.Add(ScoreName);
        if (Probabilities) header.AddRange(OutputHeaders());
        var rows = new List<List<string>> { header };
        for (int r = 0; r < Count; r++)
        {
            var row = new List<string> { _names[r], Class(r).ToString(CultureInfo.InvariantCulture) };
            if (_classNames is not null) row.Add(_classNames[Class(r)]);
            row.Add(Score(r).ToString("0.0000", CultureInfo.InvariantCulture));
            if (Probabilities) row.AddRange(_outputs[r].Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture)));
            rows.Add(row);
        }
        var widths = Enumerable.Range(0, header.Count).Select(c => rows.Max(row => row[c].Length)).ToArray();
        foreach (var row in rows)
            output.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Count - 1 ? cell : cell.PadRight(widths[c]))));
    }

    /// <summary>
    /// CSV (RFC 4180): input, class, name (empty when the classes have no names), the predicted class's output and, with
    /// <see cref="Probabilities"/>, every output at full precision.
    /// </summary>
    public string ToCsv()
    {
        var csv = new StringBuilder();
        var header = new List<string> { "input", "class", "name", ScoreName };
        if (Probabilities) header.AddRange(OutputHeaders());
        csv.Append(string.Join(',', header.Select(Quote))).Append('\n');
        for (int r = 0; r < Count; r++)
        {
            var row = new List<string>
            {
                _names[r], Class(r).ToString(CultureInfo.InvariantCulture), _classNames?[Class(r)] ?? "", Score(r).ToString("R", CultureInfo.InvariantCulture),
            };
            if (Probabilities) row.AddRange(_outputs[r].Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            csv.Append(string.Join(',', row.Select(Quote))).Append('\n');
        }
        return csv.ToString();
    }

    /// <summary>Headers of the outputs: the class names when known, else output_0, output_1, ...</summary>
    private IEnumerable<string> OutputHeaders() =>
        Enumerable.Range(0, Outputs).Select(c => _classNames is not null && Outputs > 1 ? _classNames[c] : $"output_{c}");

    private static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? $"\"{cell.Replace("\"", "\"\"")}\"" : cell;
}
