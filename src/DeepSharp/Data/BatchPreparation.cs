namespace DeepSharp;

/// <summary>Where an <see cref="ImageFlow"/> makes its batches; the batches are the same in every case.</summary>
internal enum BatchPreparation
{
    /// <summary><see cref="Pool"/> when there are two or more kernel threads, else <see cref="Thread"/>.</summary>
    Auto,

    /// <summary>
    /// One step ahead by the kernel threads between their jobs: when batch k is taken, the transforms of batch k + 1 are
    /// drawn in order and its images posted to the worker pool as background work; taking batch k + 1 finishes what is left.
    /// </summary>
    Pool,

    /// <summary>One step ahead on a thread of the flow's own (on two cores it competes with the kernel threads).</summary>
    Thread,

    /// <summary>When asked for, by the consuming thread and the kernel threads together.</summary>
    Inline,
}
