using System.Globalization;
using System.Text;

namespace DeepSharp;

/// <summary>
/// Keras' progress bar for Fit, Evaluate and Predict. On a terminal one line is redrawn in place, at most ten times a second:
/// <c>422/1688 [======&gt;.......] - ETA: 3s - 2ms/step - loss: 0.5512 - accuracy: 0.8068</c>, and the epoch ends with
/// <c>1688/1688 [==========] - 4s 2ms/step - loss: ... - val_loss: ...</c>. When the output is not a terminal (a log
/// file, CI) or verbose is 2, only that last line is printed, without the bar: one line per epoch.
/// </summary>
public sealed class ProgressBar
{
    private const int FullBarWidth = 30;
    private const int MinBarWidth = 10;
    private readonly TextWriter _output;
    private readonly TimeProvider _clock;
    private readonly bool _live;
    private readonly bool _silent;
    private readonly int _total;
    private readonly int _lineWidth;
    private readonly long _start;
    private readonly long _redrawInterval;
    private readonly StringBuilder _line = new(160);
    private readonly StringBuilder _tail = new(128);
    private bool _drawn;
    private long _lastDraw;
    private int _lastLength;

    private static readonly AsyncLocal<Target?> Redirected = new();

    /// <summary>Where bars without an explicit writer draw: the console, or what <see cref="RedirectTo"/> gave.</summary>
    private sealed record Target(TextWriter Output, bool IsTerminal, TimeProvider Clock, int LineWidth);

    /// <summary>
    /// Creates a bar for <paramref name="totalSteps"/> steps, written to the console (or where <see cref="RedirectTo"/>
    /// sent the progress), or to <paramref name="output"/>.
    /// </summary>
    /// <param name="totalSteps">Steps (batches) in the epoch.</param>
    /// <param name="verbose">1 for a live bar (one line per epoch when the console's output is redirected), 2 for one line per epoch, 0 for nothing.</param>
    /// <param name="output">Where to write (default: standard output). A writer given here is not a terminal: it gets one line per epoch.</param>
    public ProgressBar(int totalSteps, int verbose = 1, TextWriter? output = null)
        : this(totalSteps, verbose, CurrentTarget(output))
    {
    }

    private ProgressBar(int totalSteps, int verbose, Target target)
        : this(totalSteps, verbose, target.Output, target.IsTerminal, target.Clock, target.LineWidth)
    {
    }

    /// <summary>Creates a bar that writes to any writer, saying whether it is a terminal, with its own clock.</summary>
    /// <param name="totalSteps">Steps (batches) in the epoch.</param>
    /// <param name="verbose">1 for a live bar on a terminal, 2 for one line per epoch, 0 for nothing.</param>
    /// <param name="output">Where to write.</param>
    /// <param name="isTerminal">Whether <paramref name="output"/> shows a carriage return as a return to the start of the line.</param>
    /// <param name="timeProvider">The clock for the time per step and the ETA (default: the system's).</param>
    /// <param name="lineWidth">The terminal's width in characters; live lines are kept shorter so that they never wrap. 0: no limit.</param>
    public ProgressBar(int totalSteps, int verbose, TextWriter output, bool isTerminal, TimeProvider? timeProvider = null, int lineWidth = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (totalSteps < 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "ProgressBar: totalSteps must be 0 or more.");
        if (verbose is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "ProgressBar: verbose must be 0 (silent), 1 (live bar) or 2 (one line per epoch).");
        if (lineWidth < 0) throw new ArgumentOutOfRangeException(nameof(lineWidth), lineWidth, "ProgressBar: lineWidth must be 0 (no limit) or positive.");
        _total = totalSteps;
        _output = output;
        _clock = timeProvider ?? TimeProvider.System;
        _silent = verbose == 0;
        _live = verbose == 1 && isTerminal;
        _lineWidth = lineWidth;
        _redrawInterval = _clock.TimestampFrequency / 10;
        _start = _clock.GetTimestamp();
    }

    /// <summary>
    /// Sends the progress that would go to the console — the bars of Fit, Evaluate and Predict, Fit's
    /// <c>Epoch i/n</c> lines, and any bar made without a writer — to <paramref name="output"/> instead, until the result
    /// is disposed. It holds for the calling flow of execution (this thread and the tasks it starts), so that two
    /// trainings side by side can each have their own: a log window, a notebook cell, a test with a fake clock.
    /// </summary>
    /// <param name="output">Where to write.</param>
    /// <param name="isTerminal">Whether <paramref name="output"/> shows a carriage return as a return to the start of the line (a live bar).</param>
    /// <param name="timeProvider">The clock for the time per step and the ETA (default: the system's).</param>
    /// <param name="lineWidth">The width in characters that live lines must fit in. 0: no limit.</param>
    /// <returns>Restores the previous destination when disposed.</returns>
    public static IDisposable RedirectTo(TextWriter output, bool isTerminal, TimeProvider? timeProvider = null, int lineWidth = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (lineWidth < 0) throw new ArgumentOutOfRangeException(nameof(lineWidth), lineWidth, "ProgressBar.RedirectTo: lineWidth must be 0 (no limit) or positive.");
        var previous = Redirected.Value;
        Redirected.Value = new Target(output, isTerminal, timeProvider ?? TimeProvider.System, lineWidth);
        return new Restore(previous);
    }

    /// <summary>Where progress goes now: the console, or the writer <see cref="RedirectTo"/> gave (Fit's epoch lines go there too).</summary>
    internal static TextWriter CurrentOutput => Redirected.Value?.Output ?? Console.Out;

    private static Target CurrentTarget(TextWriter? output) =>
        output is not null ? new Target(output, IsTerminal: false, TimeProvider.System, 0)
        : Redirected.Value ?? new Target(Console.Out, !Console.IsOutputRedirected, TimeProvider.System, ConsoleWidth());

    private sealed class Restore(Target? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Redirected.Value = previous;
        }
    }

    /// <summary>Whether the bar redraws in place (a terminal) rather than printing a final line only.</summary>
    public bool IsLive => _live;

    /// <summary>Reports that <paramref name="step"/> steps are done, with the running values; redraws at most ten times a second.</summary>
    public void Update(int step, IReadOnlyDictionary<string, double> values)
    {
        if (!_live) return;
        long now = _clock.GetTimestamp();
        // The first call always draws, so the bar shows as soon as the first step is done; the last step always draws too.
        if (_drawn && step < _total && now - _lastDraw < _redrawInterval) return;
        _drawn = true;
        _lastDraw = now;
        double elapsed = Seconds(now);
        _tail.Clear();
        if (step < _total)
        {
            double eta = step <= 0 ? 0 : elapsed / step * (_total - step);
            _tail.Append(" - ETA: ").Append(FormatDuration(eta));
            if (step > 0) _tail.Append(" - ").Append(FormatStep(elapsed / step)).Append("/step");
        }
        else _tail.Append(" - ").Append(FormatDuration(elapsed)).Append(' ').Append(FormatStep(elapsed / Math.Max(1, step))).Append("/step");
        AppendValues(_tail, values);
        Compose(step, truncate: true);
        Draw();
    }

    /// <summary>Ends the epoch's line with its final values (including validation values).</summary>
    public void Finish(IReadOnlyDictionary<string, double> values)
    {
        if (_silent) return;
        double elapsed = Seconds(_clock.GetTimestamp());
        _tail.Clear();
        _tail.Append(" - ").Append(FormatDuration(elapsed))
             .Append(' ').Append(FormatStep(elapsed / Math.Max(1, _total))).Append("/step");
        AppendValues(_tail, values);
        if (_live)
        {
            Compose(_total, truncate: false);
            Draw();
        }
        else
        {
            _line.Clear();
            AppendCounter(_total);
            _line.Append(_tail);
            _output.Write(_line);
        }
        _output.WriteLine();
        _output.Flush();
    }

    private double Seconds(long now) => (double)(now - _start) / _clock.TimestampFrequency;

    /// <summary>Counter, bar and tail; on a narrow terminal the bar gets shorter first, then a live line is cut.</summary>
    private void Compose(int step, bool truncate)
    {
        _line.Clear();
        AppendCounter(step);
        int barWidth = FullBarWidth;
        if (_lineWidth > 0)
        {
            int room = _lineWidth - 1 - _line.Length - 3 - _tail.Length; // " [" + "]", and the last column left free
            barWidth = Math.Clamp(room, MinBarWidth, FullBarWidth);
        }
        AppendBar(step, barWidth);
        _line.Append(_tail);
        if (truncate && _lineWidth > 0 && _line.Length > _lineWidth - 1) _line.Length = Math.Max(0, _lineWidth - 1);
    }

    private void AppendCounter(int step)
    {
        int digits = _total.ToString(CultureInfo.InvariantCulture).Length;
        _line.Append(step.ToString(CultureInfo.InvariantCulture).PadLeft(digits)).Append('/').Append(_total);
    }

    private void AppendBar(int step, int width)
    {
        int filled = _total == 0 ? width : (int)((long)width * Math.Clamp(step, 0, _total) / _total);
        _line.Append(" [");
        for (int i = 0; i < width; i++)
            _line.Append(i < filled - 1 || (i == filled - 1 && step >= _total) ? '=' : i == filled - 1 ? '>' : '.');
        _line.Append(']');
    }

    private static void AppendValues(StringBuilder text, IReadOnlyDictionary<string, double> values)
    {
        foreach (var (key, value) in values)
            text.Append(" - ").Append(key).Append(": ").Append(FormatValue(value));
    }

    /// <summary>Back to the start of the line and over it; spaces wipe what a longer previous line left.</summary>
    private void Draw()
    {
        int length = _line.Length;
        if (length < _lastLength) _line.Append(' ', _lastLength - length);
        _output.Write('\r');
        _output.Write(_line);
        _output.Flush();
        _lastLength = length;
    }

    private static int ConsoleWidth()
    {
        try
        {
            return Console.IsOutputRedirected ? 0 : Math.Max(0, Console.WindowWidth);
        }
        catch (IOException)
        {
            return 0;
        }
        catch (PlatformNotSupportedException)
        {
            return 0;
        }
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
