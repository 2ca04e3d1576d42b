using System.Numerics;

namespace DeepSharp;

/// <summary>
/// Keeps released tensor buffers for reuse, so that a training step in steady state allocates no new
/// managed memory. Sizes are rounded up to one of four steps per power of two (at most 25% slack), and
/// buffers are kept per size bucket. Thread-safe: batches are prepared on background threads.
/// </summary>
internal static class BufferPool
{
    private const int SmallestCapacity = 16;
    private const int BucketCount = 112;
    private static readonly Stack<TensorStorage>[] Buckets = CreateBuckets();
    private static readonly Lock Gate = new();
    private static long _bytesHeld;

    /// <summary>Bytes currently held in the pool, waiting for reuse.</summary>
    internal static long BytesHeld => Interlocked.Read(ref _bytesHeld);

    internal static TensorStorage Rent(int length)
    {
        int bucket = BucketOf(length, out int capacity);
        lock (Gate)
        {
            if (Buckets[bucket].TryPop(out var storage))
            {
                _bytesHeld -= storage.Capacity * sizeof(float);
                return storage;
            }
        }
        return new TensorStorage(capacity, bucket);
    }

    internal static void Return(TensorStorage storage)
    {
        lock (Gate)
        {
            Buckets[storage.Bucket].Push(storage);
            _bytesHeld += storage.Capacity * sizeof(float);
        }
    }

    /// <summary>Drops every pooled buffer (the garbage collector then frees them).</summary>
    internal static void Clear()
    {
        lock (Gate)
        {
            foreach (var bucket in Buckets) bucket.Clear();
            _bytesHeld = 0;
        }
    }

    /// <summary>The bucket for a request of <paramref name="length"/> floats and the capacity it rounds up to.</summary>
    internal static int BucketOf(int length, out int capacity)
    {
        if (length <= SmallestCapacity)
        {
            capacity = SmallestCapacity;
            return 0;
        }
        int octave = 31 - BitOperations.LeadingZeroCount((uint)(length - 1)); // 2^octave < length <= 2^(octave+1)
        int step = 1 << (octave - 2);
        int steps = (int)(((long)length + step - 1) / step);                // 5..8 quarter-octave steps
        capacity = (int)Math.Min((long)steps * step, Tensor.MaxSize);
        return 1 + (octave - 4) * 4 + (steps - 5);
    }

    private static Stack<TensorStorage>[] CreateBuckets()
    {
        var buckets = new Stack<TensorStorage>[BucketCount];
        for (int i = 0; i < buckets.Length; i++) buckets[i] = new Stack<TensorStorage>(8);
        return buckets;
    }
}
