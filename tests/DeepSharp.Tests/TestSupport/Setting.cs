namespace DeepSharp.Tests.TestSupport;

/// <summary>A static setting of the library changed for a test (<c>using var _ = new Setting&lt;T&gt;(...)</c>) and put back when disposed.</summary>
internal readonly struct Setting<T> : IDisposable
{
    private readonly Action<T> _set;
    private readonly T _saved;

    public Setting(Func<T> get, Action<T> set, T value)
    {
        _set = set;
        _saved = get();
        set(value);
    }

    public void Dispose() => _set(_saved);
}
