namespace DeepSharp;

/// <summary>What a pooling layer takes of each window (Keras' <c>pool_mode</c>).</summary>
internal enum PoolingMode
{
    /// <summary>The largest value.</summary>
    Max,

    /// <summary>The mean.</summary>
    Average,
}
