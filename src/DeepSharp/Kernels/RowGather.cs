using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Copies chosen rows of a row-major matrix into consecutive rows of another: the work behind assembling a
/// shuffled mini-batch. A row is everything after the first axis (a 28×28 image is one row of 784 floats).
/// </summary>
internal static unsafe class RowGather
{
    // Rows picked at random from a large dataset come from memory, and one core's share of the memory bandwidth
    // limits the copy (a 128 × 784 batch took 41 µs on one core, 20 µs on two): above ~64 KB the threads split it.
    private const int ParallelMinFloats = 1 << 14;

    // Rows this far ahead are prefetched while the current one is copied: the start of each row is a cache miss the
    // hardware cannot predict, and asking early keeps several in flight (a 128 × 784 batch: 88–94 → 54–62 µs on one
    // core, in a loop over a 60,000-row set with other processes running). Up to 4 KB of each row: beyond that the
    // hardware's stream prefetcher has caught on.
    private const int RowsAhead = 2;
    private const int MostPrefetchBytes = 4096;

    /// <summary>
    /// Copies row <c>rows[i]</c> of <paramref name="source"/> to row i of <paramref name="destination"/>, for
    /// every i. Rows are <paramref name="rowLength"/> floats long.
    /// </summary>
    internal static void Gather(ReadOnlySpan<float> source, int rowLength, ReadOnlySpan<int> rows, Span<float> destination)
    {
        if (rowLength < 0) throw new ArgumentOutOfRangeException(nameof(rowLength), rowLength, "RowGather: the row length must be non-negative.");
        if ((long)rows.Length * rowLength > destination.Length)
            throw new ArgumentException($"RowGather: {rows.Length} rows of {rowLength} need {(long)rows.Length * rowLength} floats; the destination holds {destination.Length}.", nameof(destination));
        if (rowLength == 0) return;
        int rowCount = source.Length / rowLength;
        for (int i = 0; i < rows.Length; i++)
        {
            int row = rows[i];
            if ((uint)row >= (uint)rowCount)
                throw new ArgumentOutOfRangeException(nameof(rows), row, $"RowGather: row index at position {i} is outside the {rowCount} rows of the source.");
        }
        fixed (float* s = source)
        fixed (int* r = rows)
        fixed (float* d = destination)
        {
            var body = new Body { Source = s, Rows = r, Destination = d, RowLength = rowLength, RowTotal = rows.Length };
            long floats = (long)rows.Length * rowLength;
            body.Chunks = Parallelism.Threads == 1 || floats < ParallelMinFloats ? 1 : Math.Min(rows.Length, 2 * Parallelism.Threads);
            if (body.Chunks == 1) body.Execute(0);
            else WorkerPool.For(body.Chunks, ref body);
        }
    }

    private struct Body : IParallelBody
    {
        public float* Source, Destination;
        public int* Rows;
        public int RowLength, RowTotal, Chunks;

        public readonly void Execute(int chunk)
        {
            int first = (int)((long)RowTotal * chunk / Chunks), last = (int)((long)RowTotal * (chunk + 1) / Chunks);
            int length = RowLength;
            for (int i = first; i < Math.Min(first + RowsAhead, last); i++) Prefetch(Source + (long)Rows[i] * length, length);
            // Span copies use the runtime's vectorised memmove; a row of an image is a few hundred floats.
            for (int i = first; i < last; i++)
            {
                if (i + RowsAhead < last) Prefetch(Source + (long)Rows[i + RowsAhead] * length, length);
                new ReadOnlySpan<float>(Source + (long)Rows[i] * length, length).CopyTo(new Span<float>(Destination + (long)i * length, length));
            }
        }

        private static void Prefetch(float* row, int length)
        {
            if (!Sse.IsSupported) return;
            byte* start = (byte*)row;
            long bytes = Math.Min((long)length * sizeof(float), MostPrefetchBytes);
            for (long offset = 0; offset < bytes; offset += 64) Sse.Prefetch0(start + offset);
        }
    }
}
