// The program the distributed tests start under mpirun (and once without it): one scenario per run.
//   collectives                 all-reduce / broadcast / barrier values, and a hash of every result
//   train <steps> <batch> <out> a small Dense model trained with DistributedOptimizer: each rank takes its
//                               share of every global batch; prints the weights' hash after every step,
//                               rank 0 writes the final weights to <out>
//   fit <steps> <batch> <out>   a small classifier trained with Model.Fit (global batches of <batch>, two epochs,
//                               validation data): hash after every step, history, rank 0 writes the final weights
//   kill <rank>                 that rank kills itself (SIGKILL) during a loop of all-reduces
//   stall <seconds>             rank 1 sleeps instead of joining an all-reduce; the others time out after <seconds>
//   late <seconds>              rank 1 finishes 3 s after the others, who wait at the end with a timeout of <seconds>
//   bench                       all-reduce times for 100k, 225k and 1M floats
//   parameters [off]            the values Open MPI uses for the shared-memory fragments DeepSharp sets by default
//                               (off: with DistributedOptions.LargeSharedMemoryFragments false)
// Lines that tests read start with "rank <r>:". Exit code 0 means every check passed.
using System.Globalization;
using DeepSharp;
using DeepSharp.Distributed.TestHost;

string scenario = args.Length > 0 ? args[0] : "";
var options = scenario switch
{
    "stall" or "late" => new DistributedOptions { CollectiveTimeout = TimeSpan.FromSeconds(double.Parse(args[1], CultureInfo.InvariantCulture)) },
    "parameters" when args is [_, "off"] => new DistributedOptions { LargeSharedMemoryFragments = false },
    _ => new DistributedOptions(),
};
using var communicator = Communicator.Start(options);
Console.WriteLine($"rank {communicator.Rank}: started as {communicator} on {Environment.MachineName}, local rank {communicator.LocalRank} of {communicator.LocalSize}");
return scenario switch
{
    "collectives" => Scenarios.Collectives(communicator),
    "train" => Scenarios.Train(communicator, int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture), args[3]),
    "fit" => Scenarios.Fit(communicator, int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture), args[3]),
    "kill" => Scenarios.Kill(communicator, int.Parse(args[1], CultureInfo.InvariantCulture)),
    "stall" => Scenarios.Stall(communicator),
    "late" => Scenarios.Late(communicator),
    "bench" => Scenarios.Bench(communicator),
    "parameters" => Scenarios.Parameters(communicator),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: DeepSharp.Distributed.TestHost collectives | train <steps> <batch> <out> | fit <steps> <batch> <out> | kill <rank> | stall <seconds> | late <seconds> | bench | parameters [off]");
    return 2;
}
