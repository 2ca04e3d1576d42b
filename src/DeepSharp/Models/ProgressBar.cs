using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace DeepSharp;

/// <summary>
/// Keras' progress bar for Fit and Evaluate: <c>422/1688 [=====>........] - ETA: 3s - loss: 0.5512 - accuracy: 0.8068</c>,
/// redrawn in place on a terminal (at most ten times a second) and ending with the epoch's time per step.
/// When output is not a terminal (a log file, CI) or verbose is 2, it prints one line per epoch instead.
/// </summary>
public sealed class ProgressBar
{
    private const int Width = 30;
    private readonly TextWriter _output;
    private readonly bool _inPlace;
    private readonly int _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly StringBuilder _line = new(160);
    private long _lastDrawTicks = long.MinValue;
    private int _lastLength;

    /// <summary>Creates a bar for <paramref name="totalSteps"/> steps.</summary>
    /// <param name="totalSteps">Steps (batches) in the epoch.</param>
    /// <param name="verbose">1 for a live bar (falls back to one line when not a terminal), 2 for one line per epoch.</param>
    /// <param name="output">Where to write (default: standard output).</param>
    public ProgressBar(int totalSteps, int verbose = 1, TextWriter? output = null)
    {
        _total = totalSteps;
        _output = output ?? Console.Out;
        _inPlace = verbose == 1 && output is null && !Console.IsOutputRedirected;
    }

    /// <summary>Whether the bar redraws in place (a terminal) rather than printing a final line only.</summary>
    public bool IsLive => _inPlace;

    /// <summary>Reports that <paramref name="step"/> steps are done, with the running values.</summary>
    public void Update(int step, IReadOnlyDictionary<string, double> values)
    {
        if (!_inPlace) return;
        long now = _clock.ElapsedTicks;
        if (step < _total && now - _lastDrawTicks < Stopwatch.Frequency / 10) return;
        _lastDrawTicks = now;
        _line.Clear();
        AppendCounter(step);
        AppendBar(step);
        double elapsed = _clock.Elapsed.TotalSeconds;
        if (step < _total)
        {
            double eta = step == 0 ? 0 : elapsed / step * (_total - step);
            _line.Append(" - ETA: ").Append(FormatDuration(eta));
        }
        else _line.Append(" - ").Append(FormatDuration(elapsed));
        AppendValues(values);
        Draw();
    }

    /// <summary>Ends the epoch's line with its final values (including validation values).</summary>
    public void Finish(IReadOnlyDictionary<string, double> values)
    {
        double elapsed = _clock.Elapsed.TotalSeconds;
        _line.Clear();
        AppendCounter(_total);
        if (_inPlace) AppendBar(_total);
        _line.Append(" - ").Append(FormatDuration(elapsed))
             .Append(' ').Append(FormatStep(elapsed / Math.Max(1, _total))).Append("/step");
        AppendValues(values);
        if (_inPlace) Draw();
        else _output.Write(_line.ToString());
        _output.WriteLine();
        _output.Flush();
    }

    private void AppendCounter(int step)
    {
        int digits = _total.ToString(CultureInfo.InvariantCulture).Length;
        _line.Append(step.ToString(CultureInfo.InvariantCulture).PadLeft(digits)).Append('/').Append(_total);
    }

    private void AppendBar(int step)
    {
        int filled = _total == 0 ? Width : (int)((long)Width * step / _total);
        _line.Append(" [");
        for (int i = 0; i < Width; i++)
            _line.Append(i < filled - 1 || (i == filled - 1 && step >= _total) ? '=' : i == filled - 1 ? '>' : '.');
        _line.Append(']');
    }

    private void AppendValues(IReadOnlyDictionary<string, double> values)
    {
        foreach (var (key, value) in values)
            _line.Append(" - ").Append(key).Append(": ").Append(FormatValue(value));
    }

    private void Draw()
    {
        int length = _line.Length;
        if (length < _lastLength) _line.Append(' ', _lastLength - length);
        _output.Write('\r');
        _output.Write(_line);
        _output.Flush();
        _lastLength = length;
    }

    private static string FormatValue(double value) =>
        Math.Abs(value) >= 1e-3 || value == 0 ? value.ToString("0.0000", CultureInfo.InvariantCulture) : value.ToString("0.0000e+0", CultureInfo.InvariantCulture);

    private static string FormatDuration(double seconds) =>
        seconds >= 3600 ? $"{(int)(seconds / 3600)}:{(int)(seconds % 3600 / 60):00}:{(int)(seconds % 60):00}"
        : seconds >= 60 ? $"{(int)(seconds / 60)}:{(int)(seconds % 60):00}"
        : $"{Math.Max(0, (int)Math.Round(seconds))}s";

    private static string FormatStep(double seconds) =>
        seconds >= 1 ? $"{seconds:0}s" : seconds >= 1e-3 ? $"{seconds * 1e3:0}ms" : $"{seconds * 1e6:0}us";
}
