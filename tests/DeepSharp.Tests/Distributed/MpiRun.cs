using System.Diagnostics;
using System.Text;
using Xunit.Sdk;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// Runs the distributed test host (tests/DeepSharp.Distributed.TestHost) under a real <c>mpirun</c>, or alone.
/// A machine without Open MPI fails these tests with the command that installs it: CI installs it
/// (tools/install-openmpi.sh), so they are never skipped.
/// </summary>
internal static class MpiRun
{
    public sealed record Result(int ExitCode, string Output, string Error, TimeSpan Elapsed)
    {
        public string All => Output + Error;

        /// <summary>The lines a rank printed ("rank r: ..."), without the prefix.</summary>
        public string[] Lines(int rank) => [.. Output.Split('\n')
            .Where(l => l.StartsWith($"rank {rank}: ", StringComparison.Ordinal))
            .Select(l => l[$"rank {rank}: ".Length..].TrimEnd('\r'))];

        public override string ToString() => $"exit code {ExitCode} after {Elapsed.TotalSeconds:0.0} s\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    private static string Host => Path.Combine(AppContext.BaseDirectory, "DeepSharp.Distributed.TestHost.dll");

    /// <summary>The flags of the measurements: root allowed, no core binding, plain terminal, no CMA copies.
    /// <c>mpi_yield_when_idle</c> keeps a waiting rank from spinning away the core its peer needs on a busy machine.</summary>
    private static readonly string[] Flags =
    [
        "--bind-to", "none", "--oversubscribe", "-x", "TERM=dumb",
        "--mca", "btl_vader_single_copy_mechanism", "none", "--mca", "mpi_yield_when_idle", "1",
    ];

    public static string Mpirun()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, "mpirun"))) return Path.Combine(dir, "mpirun");
        throw new XunitException("mpirun was not found on PATH: these tests need Open MPI. Install it with tools/install-openmpi.sh " +
            "(apt-get install openmpi-bin), as .ci/run does.");
    }

    /// <summary>Runs the host on <paramref name="ranks"/> ranks under mpirun.</summary>
    public static Result Ranks(int ranks, TimeSpan timeout, params string[] args) => Run(Launch(Host, ranks, null, args), timeout);

    /// <summary>Runs the host on <paramref name="ranks"/> ranks under mpirun, with <paramref name="environment"/> set on every rank.</summary>
    public static Result Ranks(int ranks, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Run(Launch(Host, ranks, null, args, environment), timeout);

    /// <summary>Runs the deepsharp command (DeepSharp.Cli.dll beside the tests) on <paramref name="ranks"/> ranks under mpirun.</summary>
    public static Result Cli(int ranks, TimeSpan timeout, params string[] args) => Run(Launch(CliProgram, ranks, null, args), timeout);

    private static string CliProgram => Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll");

    /// <summary>mpirun with our flags, running <c>dotnet <paramref name="program"/></c> on every rank; <paramref name="marker"/> tags the ranks' environment.</summary>
    private static ProcessStartInfo Launch(string program, int ranks, string? marker, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Mpirun());
        if (Environment.IsPrivilegedProcess) start.ArgumentList.Add("--allow-run-as-root");
        foreach (var flag in Flags) start.ArgumentList.Add(flag);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.ArgumentList.Add("-x");
            start.ArgumentList.Add($"{name}={value}");
        }
        if (marker is not null)
        {
            start.ArgumentList.Add("-x");
            start.ArgumentList.Add($"{MarkerVariable}={marker}");
        }
        start.ArgumentList.Add("-np");
        start.ArgumentList.Add(ranks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(program);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return start;
    }

    private const string MarkerVariable = "DEEPSHARP_TEST_RUN";

    /// <summary>The deepsharp command under mpirun, left running: its output so far, and its ranks' processes.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new(), _error = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly string _marker = Guid.NewGuid().ToString("N");

        public Running(int ranks, params string[] args)
        {
            var start = Launch(CliProgram, ranks, _marker, args);
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            _process = new Process { StartInfo = start };
            _process.OutputDataReceived += (_, e) => { lock (_output) _output.Append(e.Data).Append('\n'); };
            _process.ErrorDataReceived += (_, e) => { lock (_output) _error.Append(e.Data).Append('\n'); };
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        /// <summary>Waits until the output holds <paramref name="text"/>; fails with the output so far when it does not in time.</summary>
        public void WaitFor(string text, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (clock.Elapsed > timeout || _process.HasExited)
                    throw new XunitException($"'{text}' did not appear within {timeout.TotalSeconds} s.\n{Finish(TimeSpan.FromSeconds(5))}");
                Thread.Sleep(50);
            }
        }

        /// <summary>The process of rank <paramref name="rank"/>, found by the marker in its environment.</summary>
        public int RankProcess(int rank)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
                string[] environment;
                try
                {
                    environment = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0');
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }
                if (environment.Contains($"{MarkerVariable}={_marker}") && environment.Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
            }
            throw new XunitException($"rank {rank}'s process was not found.\n{Output}");
        }

        /// <summary>Waits for mpirun to end (killing it if it does not in time) and returns what it printed.</summary>
        public Result Finish(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
                throw new XunitException($"mpirun did not end within {timeout.TotalSeconds} s; it hung.\n--- stdout\n{Output}\n--- stderr\n{_error}");
            }
            _process.WaitForExit();
            lock (_output) return new Result(_process.ExitCode, _output.ToString(), _error.ToString(), _clock.Elapsed);
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    /// <summary>Runs the host as one plain process, with extra environment variables.</summary>
    public static Result Alone(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(Host);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return Run(start, timeout);
    }

    /// <summary>Runs a bash script of the repository with arguments.</summary>
    public static Result Script(string script, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("bash");
        start.ArgumentList.Add(script);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Run(start, timeout);
    }

    private static Result Run(ProcessStartInfo start, TimeSpan timeout)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new XunitException($"'{start.FileName} {string.Join(' ', start.ArgumentList)}' did not end within {timeout.TotalSeconds} s; it hung.\n" +
                $"--- stdout\n{output.Result}\n--- stderr\n{error.Result}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error.Result, clock.Elapsed);
    }
}
