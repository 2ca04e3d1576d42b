using System.Diagnostics;

namespace DeepSharp.Tests.Cli;

/// <summary>Runs the deepsharp command in a separate process, as a user would.</summary>
internal static class CliProcess
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) process.Kill(entireProcessTree: true);
        return (process.ExitCode, output.Result, error.Result);
    }
}
