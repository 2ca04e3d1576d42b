namespace DeepSharp.Bench;

/// <summary>
/// A switch of the library that an A/B row turns on and off (a static property such as <c>DenseRowGroups.Enabled</c>),
/// read when the row is made, at the bench's start: a switch that its environment variable turned off stays off on both
/// sides, so that the row then measures the others alone.
/// </summary>
internal sealed class LibrarySwitch(Func<bool> get, Action<bool> set)
{
    private readonly bool _atStart = get();

    /// <summary>Turns the switch on (only if it was on at start) or off.</summary>
    public void Set(bool on) => set(on && _atStart);
}
