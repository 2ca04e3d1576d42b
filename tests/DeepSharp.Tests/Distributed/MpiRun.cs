using System.Diagnostics;
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
    public static Result Ranks(int ranks, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(Mpirun());
        if (Environment.IsPrivilegedProcess) start.ArgumentList.Add("--allow-run-as-root");
        foreach (var flag in Flags) start.ArgumentList.Add(flag);
        start.ArgumentList.Add("-np");
        start.ArgumentList.Add(ranks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Host);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Run(start, timeout);
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
