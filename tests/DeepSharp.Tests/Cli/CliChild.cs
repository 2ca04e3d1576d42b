using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// The deepsharp command running in a child process, as a user starts it from a shell: its output is gathered as it
/// comes, it can be sent signals (Ctrl-C is SIGINT), and it is killed when disposed if still running.
/// </summary>
internal sealed partial class CliChild : IDisposable
{
    public const int SigInt = 2, SigKill = 9, SigTerm = 15;

    /// <summary>How long a wait may last before the test fails as hung (not a timing assertion: a guard).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly StringBuilder _output = new(), _error = new();

    public CliChild(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_error) _error.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public string Error { get { lock (_error) return _error.ToString(); } }

    /// <summary>Waits until <paramref name="ready"/> holds, polling; fails if the process ends first or it never does.</summary>
    public void WaitUntil(Func<bool> ready, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!ready())
        {
            if (_process.HasExited) Assert.Fail($"deepsharp ended (code {_process.ExitCode}) before {what}.\n{Output}\n{Error}");
            if (clock.Elapsed > Patience) Assert.Fail($"deepsharp never got to {what}.\n{Output}\n{Error}");
            Thread.Sleep(5);
        }
    }

    /// <summary>Sends a signal (as the kill command does).</summary>
    public void Signal(int signal) => Assert.Equal(0, Kill(_process.Id, signal));

    /// <summary>Waits for the process to end and returns its exit code (128 + the signal for one that ended it).</summary>
    public int WaitForExit()
    {
        if (!_process.WaitForExit(Patience))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"deepsharp did not end.\n{Output}\n{Error}");
        }
        _process.WaitForExit(); // the output is read to its end
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
