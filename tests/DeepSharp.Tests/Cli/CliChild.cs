using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// The deepsharp command running in a child process, as a user starts it from a shell: its output is gathered as it
/// comes, it can be sent signals (Ctrl-C is SIGINT), and it is killed when disposed if still running.
/// </summary>
/// <remarks>
/// The child starts with the default action for SIGINT and SIGTERM, as a shell starts a command in the foreground. It
/// would otherwise inherit the test run's: a <c>dotnet test</c> started in the background of a non-interactive shell
/// (<c>.ci/run &amp;</c>) ignores SIGINT, every process under it inherits that, and .NET leaves an ignored SIGINT ignored, so
/// the child never sees a Ctrl-C (the CI failure: runs that ended with 0 after a Ctrl-C, a first Ctrl-C never answered).
/// Output is read by threads of its own (not the thread pool, which the tests running beside may keep busy), and a wait
/// wakes as soon as a line arrives.
/// </remarks>
internal sealed partial class CliChild : IDisposable
{
    public const int SigInt = 2, SigKill = 9, SigTerm = 15, SigCont = 18, SigStop = 19;

    /// <summary>How long a wait may last before the test fails as hung (not a timing assertion: a guard).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly object _gate = new();
    private readonly StringBuilder _output = new(), _error = new();
    private readonly Thread[] _readers;
    private int _openStreams = 2;

    public CliChild(params string[] args)
    {
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--default-signal=INT,TERM"); // GNU env: resets them, then execs (same process id)
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        _process = Process.Start(start)!;
        _readers = [Read(_process.StandardOutput, _output), Read(_process.StandardError, _error)];
    }

    public string Output { get { lock (_gate) return _output.ToString(); } }

    public string Error { get { lock (_gate) return _error.ToString(); } }

    /// <summary>Reads <paramref name="stream"/> line by line into <paramref name="text"/> on a thread of its own, waking waiters at each line.</summary>
    private Thread Read(StreamReader stream, StringBuilder text)
    {
        var thread = new Thread(() =>
        {
            for (string? line; (line = stream.ReadLine()) is not null;)
            {
                lock (_gate)
                {
                    text.AppendLine(line);
                    Monitor.PulseAll(_gate);
                }
            }
            lock (_gate)
            {
                _openStreams--;
                Monitor.PulseAll(_gate);
            }
        }) { IsBackground = true, Name = "deepsharp child output" };
        thread.Start();
        return thread;
    }

    /// <summary>
    /// Waits until <paramref name="ready"/> holds, checking it at each line of output (and every few milliseconds, for
    /// files); fails if the process ends first or it never does.
    /// </summary>
    public void WaitUntil(Func<bool> ready, string what)
    {
        if (!TryWaitUntil(ready, what)) Assert.Fail($"deepsharp ended (code {_process.ExitCode}) before {what}.\n{Output}\n{Error}");
    }

    /// <summary>As <see cref="WaitUntil"/>, but returns false when the process ends first.</summary>
    public bool TryWaitUntil(Func<bool> ready, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!ready())
        {
            if (_process.HasExited)
            {
                WaitForOutputEnd();
                return ready();
            }
            if (clock.Elapsed > Patience) Assert.Fail($"deepsharp never got to {what} in {Patience.TotalMinutes} minutes.\n{Output}\n{Error}");
            lock (_gate) Monitor.Wait(_gate, 10);
        }
        return true;
    }

    /// <summary>
    /// Sends a signal (as the kill command does). SIGINT and SIGTERM must be caught: a child that ignores them could not
    /// answer, and the test would fail later for a reason it could not tell.
    /// </summary>
    public void Signal(int signal)
    {
        if (signal is SigInt or SigTerm)
        {
            var (ignored, caught) = Dispositions();
            ulong bit = 1UL << (signal - 1);
            Assert.True((ignored & bit) == 0 && (caught & bit) != 0,
                $"deepsharp (pid {_process.Id}) does not catch signal {signal}: SigIgn {ignored:x16}, SigCgt {caught:x16}.");
        }
        Assert.Equal(0, Kill(_process.Id, signal));
    }

    /// <summary>Stops the process (SIGSTOP) and waits until every thread of it has stopped: nothing of it runs until <see cref="Thaw"/>.</summary>
    public void Freeze()
    {
        Signal(SigStop);
        WaitUntil(AllThreadsStopped, "being stopped");
    }

    /// <summary>Lets a frozen process run on (SIGCONT).</summary>
    public void Thaw() => Signal(SigCont);

    private bool AllThreadsStopped()
    {
        try
        {
            return Directory.GetDirectories($"/proc/{_process.Id}/task").All(Stopped);
        }
        catch (DirectoryNotFoundException)
        {
            return true; // the process is gone
        }
    }

    /// <summary>Whether the thread of /proc/PID/task/TID is stopped (state T, or gone with its process).</summary>
    private static bool Stopped(string task)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(task, "stat"));
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('T'); // the state follows the command name in parentheses
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>The child's ignored and caught signals, as masks (bit n-1 for signal n), from /proc.</summary>
    private (ulong Ignored, ulong Caught) Dispositions()
    {
        ulong ignored = 0, caught = 0;
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("SigIgn:")) ignored = ulong.Parse(line[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (line.StartsWith("SigCgt:")) caught = ulong.Parse(line[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return (ignored, caught);
    }

    /// <summary>Waits for the process to end and returns its exit code (128 + the signal for one that ended it).</summary>
    public int WaitForExit()
    {
        if (!_process.WaitForExit(Patience))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"deepsharp did not end in {Patience.TotalMinutes} minutes.\n{Output}\n{Error}");
        }
        WaitForOutputEnd();
        return _process.ExitCode;
    }

    /// <summary>Once the process has ended: waits until its output is read to the end (the streams close with it).</summary>
    private void WaitForOutputEnd()
    {
        var clock = Stopwatch.StartNew();
        lock (_gate)
        {
            while (_openStreams > 0 && clock.Elapsed < Patience) Monitor.Wait(_gate, 100);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        foreach (var reader in _readers) reader.Join(Patience);
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
