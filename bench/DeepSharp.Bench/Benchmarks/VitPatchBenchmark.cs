using System.Globalization;
using System.Runtime.InteropServices;
using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// A/B in one process of single-channel convolutions whose windows tile the image, as a vision transformer cuts its patches:
/// the direct kernel with rows narrower than a group of pixels taken two at a time (<see cref="DirectConvolution.PairRows"/>)
/// and the kernel gradient of small images summed over runs of images (<see cref="DirectConvolution.ImageRuns"/>) against
/// one pixel at a time and one image at a time, alternating in blocks, each kernel call alone and hot. Rows: forward (with bias) and
/// backward (kernel and bias gradients; the image needs none), at the vit's patch embedding (batch 128, 28×28, 7×7 stride 7,
/// 64 filters: rows of 4) and at patch sides 4 (rows of 7) and 2 (rows of 14, never paired; 196 pixels an image, one image a run: a control). Times in µs per
/// call with GFLOP/s of the new side; the "peer" column is the old one. With <c>DEEPSHARP_BENCH_CPU_TIME=1</c> and one
/// thread, the rows survive a loaded machine.
/// </summary>
internal sealed unsafe class VitPatchBenchmark : IBenchmark
{
    private const int Batch = 128, Side = 28, Filters = 64;

    public string Name => "vit-patch";

    public IEnumerable<BenchmarkResult> Run(BenchmarkOptions options)
    {
        var atStart = (DirectConvolution.PairRows, DirectConvolution.ImageRuns);
        try
        {
            foreach (int threads in options.Threads)
                foreach (int patch in new[] { 7, 4, 2 })
                    foreach (var row in Rows(threads, patch, atStart)) yield return row;
        }
        finally
        {
            (DirectConvolution.PairRows, DirectConvolution.ImageRuns) = atStart;
        }
    }

    private static List<BenchmarkResult> Rows(int threads, int patch, (bool, bool) atStart)
    {
        Parallelism.Threads = threads;
        var g = DeepSharp.Ops.ConvolutionShape("vit-patch", new TensorShape(Batch, Side, Side, 1), patch, patch, 1, Filters, (patch, patch), false, (1, 1));
        var random = new Random(patch);
        float* x = Alloc(g.Batch * g.ImageSize, random), w = Alloc(g.Patch * Filters, random), b = Alloc(Filters, random);
        float* y = Alloc(g.Rows * Filters, random), dy = Alloc(g.Rows * Filters, random);
        float* dw = Alloc(g.Patch * Filters, random), db = Alloc(Filters, random);
        try
        {
            string shape = $"conv2d ({Batch}, {g.OutputHeight}, {g.OutputWidth}, {Filters}) ← ({Batch}, {Side}, {Side}, 1), ({patch}, {patch}, 1, {Filters})";
            double flops = 2.0 * g.MultiplyAdds;
            var rows = new List<BenchmarkResult>
            {
                Row($"{shape} forward", threads, flops, atStart, () => Convolution.Forward(g, x, w, b, FusedActivation.None, y)),
                Row($"{shape} backward dW db", threads, flops, atStart,
                    () => Convolution.Backward(g, x, w, dy, null, FusedActivation.None, null, dw, db)),
            };
            return rows;
        }
        finally
        {
            foreach (var p in new[] { x, w, b, y, dy, dw, db }) NativeMemory.AlignedFree(p);
        }
    }

    private static BenchmarkResult Row(string what, int threads, double flops, (bool, bool) atStart, Action action)
    {
        var (on, off) = Measure.SecondsPerCall(
            () => { (DirectConvolution.PairRows, DirectConvolution.ImageRuns) = atStart; action(); },
            () => { (DirectConvolution.PairRows, DirectConvolution.ImageRuns) = (false, false); action(); });
        string rate = (flops / on / 1e9).ToString("F0", CultureInfo.InvariantCulture);
        return new BenchmarkResult($"{what}, {rate} GFLOP/s t{threads}", on * 1e6, off * 1e6, BenchmarkUnit.Microseconds, PeerName: "single rows, images");
    }

    private static float* Alloc(long floats, Random random)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        for (long i = 0; i < floats; i++) p[i] = (float)(random.NextDouble() - 0.5);
        return p;
    }
}
