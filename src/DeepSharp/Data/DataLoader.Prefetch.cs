using DeepSharp.Kernels;

namespace DeepSharp;

public sealed partial class DataLoader
{
    private const int PrefetchItemFloats = 1 << 14; // rows of one item: about 64 KB of the widest input

    private GatherWork? _gatherWork;  // made on the first batch gathered ahead, then reused
    private int _prefetched = -1;     // the batch whose gather runs ahead, or −1

    /// <summary>
    /// Whether the next batch is gathered ahead, by the kernel threads between their jobs while the caller trains on this
    /// one (with two or more kernel threads; the batches are the same either way). <c>DEEPSHARP_LOADER=sync</c> turns it
    /// off at start-up, for A/B measurements.
    /// </summary>
    internal static bool Prefetches { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_LOADER"), "sync", StringComparison.OrdinalIgnoreCase);

    /// <summary>Posts the gather of batch <paramref name="number"/> (into its slot, which no batch handed out uses) to the kernel threads.</summary>
    private void StartPrefetch(int number)
    {
        if (!Prefetches || Parallelism.Threads <= 1) return;
        var (batch, yBatch, start, size) = Slot(number);
        _gatherWork ??= new GatherWork(this);
        (_gatherWork.Batch, _gatherWork.Y, _gatherWork.First, _gatherWork.Size) = (batch, yBatch, start, size);
        _prefetched = number;
        _gatherWork.Start((size + _gatherWork.RowsPerItem - 1) / _gatherWork.RowsPerItem);
    }

    /// <summary>Completes the gather of batch <paramref name="number"/> if it was started ahead (what no worker ran runs here); false if it was not.</summary>
    private bool FinishPrefetch(int number)
    {
        if (_prefetched != number) return false;
        _prefetched = -1;
        _gatherWork!.Finish();
        return true;
    }

    /// <summary>Withdraws a gather started ahead, once its items in progress are done (before the order or the batch tensors change).</summary>
    private void CancelPrefetch()
    {
        if (_prefetched < 0) return;
        _prefetched = -1;
        _gatherWork!.Cancel();
    }

    /// <summary>A batch's gather as background work: each item copies a block of its rows of every input and the targets.</summary>
    private sealed class GatherWork(DataLoader loader) : BackgroundWork
    {
        public readonly int RowsPerItem = Math.Max(1, PrefetchItemFloats / Math.Max(1, Math.Max(loader._yRowLength, loader._rowLengths.DefaultIfEmpty().Max())));
        public Tensor[] Batch = null!;
        public Tensor? Y;
        public int First, Size;

        protected override void Execute(int item)
        {
            int first = item * RowsPerItem;
            loader.GatherRows(Batch, Y, First, first, Math.Min(RowsPerItem, Size - first), parallel: false);
        }
    }
}
