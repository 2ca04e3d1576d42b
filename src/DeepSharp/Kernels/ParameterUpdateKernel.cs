using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// The math of one optimizer's update for a group of elements: reads the weight, its gradient and up to three
/// state arrays at the given addresses, writes the new weight and state back. Written once, generic over the
/// lane width (see <see cref="ILanes{TSelf}"/>).
/// </summary>
internal unsafe interface IParameterUpdate
{
    void Apply<T>(float* weight, float* gradient, float* state0, float* state1, float* state2) where T : struct, ILanes<T>;
}

/// <summary>
/// Runs an <see cref="IParameterUpdate"/> over whole arrays in one pass over memory: vector groups for the body,
/// single lanes for the tail, split over the worker threads when the arrays are long. State pointers an update
/// does not use may be null.
/// </summary>
internal static unsafe class ParameterUpdateKernel
{
    // An Adam step reads and writes ~20 bytes an element: below ~64k elements one core finishes before
    // waking a second would pay off.
    private const int MinimumChunk = 1 << 15;

    internal static void Run<TOp>(in TOp update, float* weight, float* gradient, float* state0, float* state1, float* state2, int length)
        where TOp : struct, IParameterUpdate
    {
        int threads = Parallelism.Threads;
        int chunks = threads == 1 || length < 2 * MinimumChunk ? 1 : Math.Min(threads * 2, length / MinimumChunk);
        // Whole rounds: three chunks on two threads leave one thread doing two thirds of the work while the other
        // waits (the seed MLP's 784 × 128 kernel).
        if (chunks > threads) chunks -= chunks % threads;
        if (chunks == 1)
        {
            var op = update;
            RunRange(ref op, weight, gradient, state0, state1, state2, 0, length);
            return;
        }
        var body = new Body<TOp>
        {
            Update = update, Weight = weight, Gradient = gradient, State0 = state0, State1 = state1, State2 = state2,
            Length = length, Chunks = chunks,
        };
        WorkerPool.For(chunks, ref body);
    }

    /// <summary>
    /// Runs <paramref name="update"/> over every target in one parallel pass, as if the targets were one array laid end
    /// to end: the pass is cut into balanced chunks wherever they fall (small variables share a chunk, a large one is
    /// shared by several), each edge inside a variable on a multiple of 16 floats from its start. So every element is
    /// computed by the lanes that <see cref="Run{TOp}"/> on its variable alone would use, with the same bits, at any
    /// thread count. The targets must not overlap in memory.
    /// </summary>
    internal static void RunAll<TOp>(in TOp update, ReadOnlySpan<ParameterUpdateTarget> targets)
        where TOp : struct, IParameterUpdate
    {
        long total = 0;
        foreach (ref readonly var target in targets) total += target.Length;
        int threads = Parallelism.Threads;
        int chunks = threads == 1 || total < 2 * MinimumChunk ? 1 : (int)Math.Min(threads * 2, total / MinimumChunk);
        if (chunks > threads) chunks -= chunks % threads;
        if (chunks == 1)
        {
            var op = update;
            foreach (ref readonly var t in targets)
                RunRange(ref op, t.Weight, t.Gradient, t.State0, t.State1, t.State2, 0, t.Length);
            return;
        }
        fixed (ParameterUpdateTarget* first = targets)
        {
            var body = new ManyBody<TOp> { Update = update, Targets = first, Count = targets.Length, Total = total, Chunks = chunks };
            WorkerPool.For(chunks, ref body);
        }
    }

    private static void RunRange<TOp>(ref TOp update, float* w, float* g, float* s0, float* s1, float* s2, int start, int end)
        where TOp : struct, IParameterUpdate
    {
        var range = new Range<TOp> { Update = update, Weight = w, Gradient = g, State0 = s0, State1 = s1, State2 = s2, Start = start, End = end };
        LaneKernel.Run(ref range);
    }

    /// <summary>Whole groups of the width's lanes, then the tail one lane at a time.</summary>
    private struct Range<TOp> : ILaneKernel where TOp : struct, IParameterUpdate
    {
        public TOp Update;
        public float* Weight, Gradient, State0, State1, State2;
        public int Start, End;

        public void Run<T>() where T : struct, ILanes<T>
        {
            int i = Loop<TOp, T>(ref Update, Weight, Gradient, State0, State1, State2, Start, End);
            Loop<TOp, Lane1>(ref Update, Weight, Gradient, State0, State1, State2, i, End);
        }
    }

    /// <summary>Applies the update to whole groups of <typeparamref name="TLanes"/> from <paramref name="start"/>; returns where it stopped.</summary>
    /// <remarks>
    /// Never inlined: inlined into its callers, the loop's many tiny vector helpers exhaust the JIT's inlining
    /// budget and stay calls (measured: an Adam step 20× slower).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static int Loop<TOp, TLanes>(ref TOp update, float* w, float* g, float* s0, float* s1, float* s2, int start, int end)
        where TOp : struct, IParameterUpdate
        where TLanes : struct, ILanes<TLanes>
    {
        int i = start;
        for (; i <= end - TLanes.Count; i += TLanes.Count)
            update.Apply<TLanes>(w + i, g + i, s0 + i, s1 + i, s2 + i);
        return i;
    }

    private struct ManyBody<TOp> : IParallelBody where TOp : struct, IParameterUpdate
    {
        public TOp Update;
        public ParameterUpdateTarget* Targets;
        public int Count, Chunks;
        public long Total;

        public void Execute(int chunk)
        {
            var (first, start) = Edge(Total * chunk / Chunks);
            var (last, end) = Edge(Total * (chunk + 1) / Chunks);
            var op = Update;
            for (int i = first; i <= last && i < Count; i++)
            {
                var t = Targets[i];
                int from = i == first ? start : 0, to = i == last ? end : t.Length;
                if (from < to) RunRange(ref op, t.Weight, t.Gradient, t.State0, t.State1, t.State2, from, to);
            }
        }

        /// <summary>
        /// The target holding element <paramref name="position"/> of the whole pass and where inside it the chunk edge falls:
        /// rounded down to a multiple of 16 from the target's start; the pass's end is (Count, 0).
        /// </summary>
        private readonly (int Target, int Offset) Edge(long position)
        {
            for (int i = 0; i < Count; i++)
            {
                int length = Targets[i].Length;
                if (position < length) return (i, (int)position & ~15);
                position -= length;
            }
            return (Count, 0);
        }
    }

    private struct Body<TOp> : IParallelBody where TOp : struct, IParameterUpdate
    {
        public TOp Update;
        public float* Weight, Gradient, State0, State1, State2;
        public int Length, Chunks;

        public void Execute(int chunk)
        {
            // Chunk edges on multiples of 16 keep every chunk but the last free of a scalar tail.
            int start = (int)((long)Length * chunk / Chunks) & ~15;
            int end = chunk == Chunks - 1 ? Length : (int)((long)Length * (chunk + 1) / Chunks) & ~15;
            var op = Update;
            RunRange(ref op, Weight, Gradient, State0, State1, State2, start, end);
        }
    }
}
