using System.Globalization;
using System.Text;

namespace DeepSharp;

/// <summary>Writes one line per epoch of the epoch's values to a CSV file, as Keras' <c>CSVLogger</c>.</summary>
public sealed class CSVLogger(string fileName, char separator = ',', bool append = false) : Callback
{
    private readonly List<string> _lines = [];
    private List<string>? _keys;

    /// <summary>The CSV file.</summary>
    public string FileName { get; } = string.IsNullOrWhiteSpace(fileName)
        ? throw new ArgumentException("CSVLogger: fileName must not be empty.", nameof(fileName)) : fileName;

    /// <summary>True: in a data-parallel Fit, rank 0 alone writes the file (every rank has the same logs).</summary>
    public override bool RankZeroOnly => true;

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, double> logs)
    {
        _lines.Clear();
        _keys = null;
        if (append && File.Exists(FileName))
        {
            _lines.AddRange(File.ReadAllLines(FileName));
            if (_lines.Count > 0) _keys = _lines[0].Split(separator).Skip(1).ToList();
        }
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (_keys is null)
        {
            _keys = logs.Keys.ToList();
            _lines.Add("epoch" + separator + string.Join(separator, _keys));
        }
        var line = new StringBuilder(epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var key in _keys)
            line.Append(separator).Append(logs.TryGetValue(key, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
        _lines.Add(line.ToString());
        // Rewrite the whole (small) file each epoch, atomically, so it is complete even if training dies.
        AtomicFile.WriteAllText(FileName, string.Join('\n', _lines) + "\n");
    }
}
