namespace DeepSharp.Tests.TestSupport;

/// <summary>
/// A clock for progress bars that moves only when told (one tick is a millisecond), or by <paramref name="stepPerReading"/>
/// milliseconds at every reading: a training loop then sees time pass at each step without the test waiting for it.
/// </summary>
internal sealed class FakeClock(long start = 0, long stepPerReading = 0) : TimeProvider
{
    public long Now { get; private set; } = start;

    public override long TimestampFrequency => 1000;

    public override long GetTimestamp()
    {
        long now = Now;
        Now += stepPerReading;
        return now;
    }

    public void Advance(long milliseconds) => Now += milliseconds;

    /// <summary>The frames a terminal would have shown: the text between carriage returns and line ends, wipe-out spaces trimmed.</summary>
    public static string[] Frames(string text) =>
        text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(f => f.TrimEnd()).Where(f => f.Length > 0).ToArray();
}
