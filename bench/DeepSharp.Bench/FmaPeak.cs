using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Bench;

/// <summary>
/// The single-core ceiling: 12 independent chains of 512-bit FMAs (enough to hide the FMA latency on two
/// ports), with no memory traffic. GEMM figures are read against it.
/// </summary>
internal static class FmaPeak
{
    /// <summary>
    /// GFLOP/s of one thread, best of runs spread over about two seconds (the ceiling is what we want, not the
    /// typical: a host that slows these cores for a few hundred milliseconds would otherwise set a low peak and
    /// inflate every row's percentage).
    /// </summary>
    public static double Measure()
    {
        if (!Vector512.IsHardwareAccelerated) return double.NaN;
        const long iterations = 20_000_000;
        Chains(100_000, 1.0f); // warm up and let the JIT promote the loop
        double best = 0;
        var span = Stopwatch.StartNew();
        for (int run = 0; run < 12 || span.Elapsed < TimeSpan.FromSeconds(2); run++)
        {
            var watch = Stopwatch.StartNew();
            float sink = Chains(iterations, 1.0f + run * 1e-9f);
            double seconds = watch.Elapsed.TotalSeconds;
            if (float.IsNaN(sink)) return double.NaN; // keeps the result alive
            best = Math.Max(best, iterations * 12.0 * 16 * 2 / seconds / 1e9);
            Thread.Sleep(100);
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains(long iterations, float seed)
    {
        var m = Vector512.Create(0.999999f);
        var x = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(seed), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
            c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, x);
            c1 = Vector512.FusedMultiplyAdd(c1, m, x);
            c2 = Vector512.FusedMultiplyAdd(c2, m, x);
            c3 = Vector512.FusedMultiplyAdd(c3, m, x);
            c4 = Vector512.FusedMultiplyAdd(c4, m, x);
            c5 = Vector512.FusedMultiplyAdd(c5, m, x);
            c6 = Vector512.FusedMultiplyAdd(c6, m, x);
            c7 = Vector512.FusedMultiplyAdd(c7, m, x);
            c8 = Vector512.FusedMultiplyAdd(c8, m, x);
            c9 = Vector512.FusedMultiplyAdd(c9, m, x);
            c10 = Vector512.FusedMultiplyAdd(c10, m, x);
            c11 = Vector512.FusedMultiplyAdd(c11, m, x);
        }
        var sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        return Vector512.Sum(sum);
    }
}
