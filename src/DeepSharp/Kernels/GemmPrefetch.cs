using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels;

/// <summary>
/// Memory that a product's caller reads right after it and that is likely out of cache (a recurrent backward's next step:
/// the gates, states and gradient rows the forward saved long before). The GEMM driver asks for a share of its cache lines
/// after each micro-tile, so that their transfer from memory overlaps the product's arithmetic instead of stalling the
/// loop that reads them; asked for all at once, they would fill the core's queue of misses and stall the product itself.
/// Up to <see cref="Capacity"/> regions of rows. Hints only: nothing is read or written, so results never change.
/// </summary>
internal unsafe struct GemmPrefetch
{
    internal const int Capacity = 6;
    private const int LineBytes = 64;

    private Regions _regions;
    private int _count, _region, _row;
    private long _line, _lines;

    /// <summary>Lines not asked for yet.</summary>
    internal readonly long Remaining => _lines;

    /// <summary>Adds <paramref name="rows"/> rows of <paramref name="rowBytes"/> bytes, <paramref name="strideBytes"/> apart, from <paramref name="start"/>.</summary>
    internal void Add(void* start, int rows, long rowBytes, long strideBytes)
    {
        if (_count == Capacity || rows <= 0 || rowBytes <= 0) return;
        long first = (long)start & ~(long)(LineBytes - 1);
        long perRow = ((long)start + rowBytes - first + LineBytes - 1) / LineBytes; // the lines a row touches (rows keep their offset in a line when the stride is whole lines)
        _regions[_count++] = new Region { Start = (byte*)first, Rows = rows, LinesPerRow = perRow, Stride = strideBytes };
        _lines += perRow * rows;
    }

    /// <summary>Asks for the next <paramref name="lines"/> lines (into L2), or for what is left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Next(long lines)
    {
        if (!Sse.IsSupported) { _lines = 0; return; }
        while (lines > 0 && _region < _count)
        {
            ref var r = ref _regions[_region];
            byte* row = r.Start + _row * r.Stride;
            long end = Math.Min(r.LinesPerRow, _line + lines);
            for (long i = _line; i < end; i++) Sse.Prefetch1(row + i * LineBytes);
            lines -= end - _line;
            _lines -= end - _line;
            _line = end;
            if (_line < r.LinesPerRow) return;
            _line = 0;
            if (++_row < r.Rows) continue;
            _row = 0;
            _region++;
        }
    }

    private struct Region
    {
        public byte* Start;
        public int Rows;
        public long LinesPerRow, Stride;
    }

    [InlineArray(Capacity)]
    private struct Regions
    {
        private Region _element0;
    }
}
