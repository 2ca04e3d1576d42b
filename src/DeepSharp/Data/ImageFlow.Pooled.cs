using System.Runtime.ExceptionServices;
using DeepSharp.Kernels;

namespace DeepSharp;

public sealed unsafe partial class ImageFlow
{
    private AugmentWork? _augmentWork;   // made on the first pooled batch, then reused
    private int _pooledBatch = -1;       // the batch posted to the pool (in slot _pooledBatch & 1), or −1
    private int _pooledRows;
    private Exception? _pooledFailure;   // what went wrong while posting it, rethrown when it is taken

    /// <summary>
    /// Draws batch <paramref name="batch"/>'s transforms in order, gathers its targets and posts its images to the kernel
    /// threads as background work (under _gate; its slot is free). A failure is kept for the batch's Take.
    /// </summary>
    private void StartPooled(int batch)
    {
        int slot = batch & 1;
        _pooledBatch = batch;
        _state[slot] = SlotState.Filling;
        try
        {
            var (start, rows) = BatchRows(batch);
            _pooledRows = rows;
            _random.Reseed(BatchSeed(_runEpoch, batch));
            DrawMaps(rows);
            _augmentWork ??= new AugmentWork();
            _augmentWork.Body = Body(_x.Pointer, _slotX[slot]!.Pointer, start);
            if (_y is not null)
                RowGather.Gather(_y.Span, _yRowLength, new ReadOnlySpan<int>(_order, start, rows), _slotY[slot]!.Span);
            _augmentWork.Start(rows);
        }
        catch (Exception e)
        {
            _pooledFailure = e;
        }
    }

    /// <summary>Runs what the kernel threads left of batch <paramref name="batch"/> and waits for the rest (under _gate).</summary>
    private void FinishPooled(int slot, int batch)
    {
        System.Diagnostics.Debug.Assert(_pooledBatch == batch, "the batch taken is the one posted");
        _pooledBatch = -1;
        try
        {
            if (_pooledFailure is { } failure)
            {
                _pooledFailure = null;
                ExceptionDispatchInfo.Throw(failure);
            }
            _augmentWork!.Finish();
            if (_generator.Standardizes) _generator.StandardizeBatch(_slotX[slot]!.Pointer, _pooledRows, _imageLength, ref _standardizeScratch);
            _state[slot] = SlotState.Ready;
        }
        catch (Exception e)
        {
            _state[slot] = SlotState.Failed;
            _failure = e;
        }
        BatchesPrepared++;
    }

    /// <summary>Withdraws the posted batch, if any, once the images in progress are done (under _gate).</summary>
    private void CancelPooled()
    {
        if (_pooledBatch < 0) return;
        _augmentWork?.Cancel();
        _state[_pooledBatch & 1] = SlotState.Free;
        _pooledBatch = -1;
        _pooledFailure = null;
    }

    /// <summary>A batch's images as background work: each item resamples one image through its transform.</summary>
    private sealed class AugmentWork : BackgroundWork
    {
        public ImageResampling Body;

        protected override void Execute(int item) => Body.Execute(item);
    }
}
