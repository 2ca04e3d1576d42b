using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels;

/// <summary>
/// Fills a dropout mask: each element is kept with probability <c>keep</c> (as <c>scale</c>, or a set bit), else dropped
/// (0, or a clear bit). Randomness comes from eight xoshiro256** streams advanced together (one Vector512 of state words,
/// or the same eight streams one by one), each 64-bit output giving two 32-bit draws, so the mask is the same on every
/// SIMD width. Long masks are drawn in chunks of <see cref="ChunkElements"/> on the kernel threads: each chunk starts
/// from the streams' state at its first element, found by jumping over the chunks before it (<see cref="StreamJump"/>),
/// so the mask is the one a single thread draws, whatever the thread count.
/// </summary>
internal static unsafe class BernoulliMask
{
    private const int Lanes = 8;
    private const int StateWords = 4 * Lanes;

    /// <summary>Elements of a chunk: <see cref="StreamJump.Groups"/> draws of the eight streams, 16 elements each.</summary>
    internal const int ChunkElements = 16 * StreamJump.Groups;

    /// <summary>
    /// Whether long masks are drawn in chunks on the kernel threads (the same mask either way); false draws every mask on
    /// the calling thread, for A/B comparisons. Starts false when the environment variable <c>DEEPSHARP_DROPOUT_DRAW</c>
    /// is <c>serial</c>.
    /// </summary>
    internal static bool InChunks { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_DROPOUT_DRAW"), "serial", StringComparison.OrdinalIgnoreCase);

    [ThreadStatic] private static ulong[]? t_chunkStates;

    /// <summary>Fills <paramref name="mask"/> with <paramref name="scale"/> or 0; the streams are seeded from <paramref name="random"/>.</summary>
    internal static void Fill(Span<float> mask, float keep, float scale, IRandomSource random, bool allowVector512 = true)
    {
        fixed (float* m = mask) Draw(m, null, mask.Length, keep, scale, random, allowVector512);
    }

    /// <summary>
    /// Fills <paramref name="length"/> bits of <paramref name="bits"/> (element e is bit e % 8 of byte e / 8, set where
    /// kept) with the draws <see cref="Fill"/> makes from the same <paramref name="random"/>; the bits of the last byte
    /// past <paramref name="length"/> are clear. Needs <see cref="BitBytes"/> bytes.
    /// </summary>
    internal static void FillBits(byte* bits, long length, float keep, IRandomSource random, bool allowVector512 = true) =>
        Draw(null, bits, length, keep, 1f, random, allowVector512);

    /// <summary>
    /// Bytes a bit mask of <paramref name="length"/> elements takes, with 8 more for readers that load a word at any
    /// element's byte (see <see cref="BitsAt"/>).
    /// </summary>
    internal static long BitBytes(long length) => (length + 7) / 8 + 8;

    /// <summary>The mask bits of elements <paramref name="element"/> onward: bit i is element + i's, for i &lt; 57.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong BitsAt(byte* bits, long element) => Unsafe.ReadUnaligned<ulong>(bits + (element >> 3)) >> (int)(element & 7);

    private static void Draw(float* floats, byte* bits, long length, float keep, float scale, IRandomSource random, bool allowVector512)
    {
        // Draws below the threshold are kept; keep = 1 keeps everything (threshold past the largest draw).
        var body = new ChunkBody
        {
            Floats = floats, Bits = bits, Length = length, Threshold = (ulong)Math.Round(keep * 4294967296.0), Scale = scale,
            Vector = allowVector512 && Vector512.IsHardwareAccelerated && Simd.Level == SimdLevel.Vector512,
        };
        var state = new State();
        for (int i = 0; i < StateWords; i++) state[i] = random.NextUInt64();
        int chunks = (int)((length + ChunkElements - 1) / ChunkElements);
        if (!InChunks || chunks < 2 || Parallelism.Threads == 1 || WorkerPool.InsideJob)
        {
            body.Run(ref state, 0, length);
            return;
        }
        // Each chunk's starting state, one jump after the one before it: a few hundred vector operations a chunk.
        var starts = t_chunkStates is { } s && s.Length >= chunks * StateWords ? s : t_chunkStates = new ulong[chunks * StateWords];
        fixed (ulong* p = starts)
        {
            for (int i = 0; i < StateWords; i++) p[i] = state[i];
            for (int c = 1; c < chunks; c++) StreamJump.Apply(p + (c - 1) * StateWords, p + c * StateWords);
            body.Starts = p;
            WorkerPool.For(chunks, ref body);
        }
    }

    private struct ChunkBody : IParallelBody
    {
        public float* Floats;
        public byte* Bits;
        public ulong* Starts;
        public long Length;
        public ulong Threshold;
        public float Scale;
        public bool Vector;

        public readonly void Execute(int chunk)
        {
            var state = new State();
            for (int i = 0; i < StateWords; i++) state[i] = Starts[chunk * StateWords + i];
            long start = (long)chunk * ChunkElements;
            Run(ref state, start, Math.Min(Length, start + ChunkElements));
        }

        /// <summary>Elements [<paramref name="start"/>, <paramref name="end"/>), the streams at <paramref name="start"/> (a multiple of 16).</summary>
        public readonly void Run(ref State state, long start, long end)
        {
            long i = start;
            if (Vector) i = Vectorized(start, end, ref state);
            Scalar(i, end, ref state);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private readonly long Vectorized(long start, long end, ref State state)
        {
            var s0 = Vector512.Create(state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7]);
            var s1 = Vector512.Create(state[8], state[9], state[10], state[11], state[12], state[13], state[14], state[15]);
            var s2 = Vector512.Create(state[16], state[17], state[18], state[19], state[20], state[21], state[22], state[23]);
            var s3 = Vector512.Create(state[24], state[25], state[26], state[27], state[28], state[29], state[30], state[31]);
            var kept = Vector512.Create(Scale);
            long i = start;
            if (Threshold > uint.MaxValue)
            {
                // Everything kept: no draws (nothing reads the streams afterwards).
                for (; i <= end - 16; i += 16)
                    if (Floats != null) kept.Store(Floats + i);
                    else Unsafe.WriteUnaligned(Bits + i / 8, (ushort)0xFFFF);
                return i;
            }
            var limit = Vector512.Create((uint)Threshold);
            for (; i <= end - 16; i += 16)
            {
                var output = RotateLeft(s1 * 5, 7) * 9;
                var t = s1 << 17;
                s2 ^= s0;
                s3 ^= s1;
                s1 ^= s2;
                s0 ^= s3;
                s2 ^= t;
                s3 = RotateLeft(s3, 45);
                var keepMask = Vector512.LessThan(output.AsUInt32(), limit);
                if (Floats != null) (keepMask.AsSingle() & kept).Store(Floats + i);
                else Unsafe.WriteUnaligned(Bits + i / 8, (ushort)keepMask.ExtractMostSignificantBits());
            }
            for (int lane = 0; lane < Lanes; lane++)
            {
                state[lane] = s0.GetElement(lane);
                state[Lanes + lane] = s1.GetElement(lane);
                state[2 * Lanes + lane] = s2.GetElement(lane);
                state[3 * Lanes + lane] = s3.GetElement(lane);
            }
            return i;
        }

        private readonly void Scalar(long start, long end, ref State state)
        {
            for (long i = start; i < end; i += 2 * Lanes)
            {
                uint group = 0; // the 16 elements' kept bits
                for (int lane = 0; lane < Lanes; lane++)
                {
                    ulong output = Xoshiro256.Next(ref state[lane], ref state[Lanes + lane], ref state[2 * Lanes + lane], ref state[3 * Lanes + lane]);
                    if ((uint)output < Threshold) group |= 1u << 2 * lane;
                    if ((output >> 32) < Threshold) group |= 2u << 2 * lane;
                }
                int count = (int)Math.Min(16, end - i);
                if (count < 16) group &= (1u << count) - 1;
                if (Floats != null)
                    for (int k = 0; k < count; k++) Floats[i + k] = (group >> k & 1) != 0 ? Scale : 0f;
                else
                {
                    Bits[i / 8] = (byte)group;
                    if (count > 8) Bits[i / 8 + 1] = (byte)(group >> 8);
                }
            }
        }
    }

    private static Vector512<ulong> RotateLeft(Vector512<ulong> x, int k) =>
        Vector512.ShiftLeft(x, k) | Vector512.ShiftRightLogical(x, 64 - k);

    /// <summary>The eight streams' state: word w of lane l at [w·8 + l].</summary>
    [InlineArray(StateWords)]
    internal struct State
    {
        private ulong _element0;
    }
}
