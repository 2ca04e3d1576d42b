namespace DeepSharp;

/// <summary>What targets stand for, read from their shape against the predictions' (Keras' choice for "accuracy" and "crossentropy").</summary>
public enum TargetKind
{
    /// <summary>One output per sample (last dimension 1): 0/1 targets.</summary>
    Binary,

    /// <summary>Integer class labels: one dimension fewer than the outputs, or a last dimension of 1 against several outputs.</summary>
    SparseCategorical,

    /// <summary>One-hot (or soft) rows as wide as the outputs.</summary>
    Categorical,
}
