using System.Diagnostics;

namespace DeepSharp;

/// <summary>
/// Where a training step's time goes, op by op, for the bench's per-op rows. While <see cref="Enabled"/>, each op
/// recorded forward and each backward rule run adds the time since the previous mark to the entry of its name and
/// shapes (output, first and second input). An op's forward time is what passed since the op before it was recorded:
/// its kernel and whatever its layer did before calling it. Off by default, when it costs one static read per op.
/// </summary>
internal static class OpTimeline
{
    /// <summary>
    /// One op at one set of shapes in one phase ('F' forward, 'B' backward, 'S' the rest of the step): total ticks and
    /// calls since <see cref="Start"/>.
    /// </summary>
    internal sealed record Entry(char Phase, string Op, TensorShape Output, TensorShape First, TensorShape Second)
    {
        public long Ticks;
        public int Calls;
    }

    internal static bool Enabled;

    /// <summary>
    /// The clock the marks read, in ticks of <see cref="Stopwatch.Frequency"/>: the wall clock when null (the default); a
    /// bench may set the calling thread's CPU time, which a loaded machine's other processes do not inflate (one-thread steps).
    /// </summary>
    internal static Func<long>? Clock;

    private static long _last;
    private static readonly Dictionary<(char, string, TensorShape, TensorShape, TensorShape), Entry> _entries = [];

    /// <summary>The entries measured since <see cref="Start"/>.</summary>
    internal static IReadOnlyCollection<Entry> Entries => _entries.Values;

    /// <summary>Forgets every entry and starts timing from now.</summary>
    internal static void Start()
    {
        _entries.Clear();
        _last = Now();
    }

    /// <summary>Starts the next interval from now without charging the time since the last mark to anything.</summary>
    internal static void Skip() => _last = Now();

    /// <summary>Charges the time since the last mark to <paramref name="node"/>'s forward or backward.</summary>
    internal static void Mark(Node node, bool backward) =>
        Mark(backward ? 'B' : 'F', node.OpName, node.Output._shape, node.InputCount > 0 ? node.Input(0)._shape : default,
            node.InputCount > 1 ? node.Input(1)._shape : default);

    /// <summary>Charges the time since the last mark to a stretch of work that is not an op (an optimizer step), in <paramref name="phase"/>.</summary>
    internal static void Mark(string what, char phase = 'S') => Mark(phase, what, default, default, default);

    private static long Now() => Clock is { } clock ? clock() : Stopwatch.GetTimestamp();

    private static void Mark(char phase, string op, TensorShape output, TensorShape first, TensorShape second)
    {
        long now = Now();
        var key = (phase, op, output, first, second);
        if (!_entries.TryGetValue(key, out var entry)) _entries[key] = entry = new Entry(phase, op, output, first, second);
        entry.Ticks += now - _last;
        entry.Calls++;
        _last = Now();
    }
}
