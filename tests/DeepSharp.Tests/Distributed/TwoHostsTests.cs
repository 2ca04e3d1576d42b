namespace DeepSharp.Tests.Distributed;

/// <summary>
/// A run over two simulated hosts (network namespaces joined by a veth pair, mpirun reaching the second through an
/// rsh agent): tools/mpi-two-hosts.sh trains there and on one host (a custom loop, and the seed MLP through Fit with
/// `deepsharp train mlp`) and requires the same weights, bit for bit.
/// It needs root for ip netns, as CI has; elsewhere the test fails saying so.
/// </summary>
public class TwoHostsTests
{
    [Fact]
    public void Training_over_two_hosts_gives_the_weights_of_one_host()
    {
        MpiRun.Mpirun();
        Assert.True(Environment.IsPrivilegedProcess, "tools/mpi-two-hosts.sh needs root (ip netns add); run the tests as root, as CI does.");
        var script = FindScript();
        var host = Path.Combine(AppContext.BaseDirectory, "DeepSharp.Distributed.TestHost.dll");
        var run = MpiRun.Script(script, TimeSpan.FromMinutes(3), host);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("two-hosts: OK", run.Output);
        Assert.Contains("on host-b, local rank 0 of 1", run.Output);
        Assert.Contains("the seed MLP's after 2 epochs of Fit, are the same bits", run.Output);   // a real model through Fit too
    }

    /// <summary>The script in the checkout the tests were built from (an ancestor of the test binaries).</summary>
    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "tools", "mpi-two-hosts.sh");
            if (File.Exists(script)) return script;
        }
        throw new FileNotFoundException($"tools/mpi-two-hosts.sh was not found above {AppContext.BaseDirectory}.");
    }
}
