namespace DeepSharp;

/// <summary>
/// What a model's output layer applies last, as far as a loss cares: decided once, at Compile, from the layer's
/// configuration. A cross-entropy on a softmax (or sigmoid) output then reads that activation's logits; on any other
/// output it never looks at the graph.
/// </summary>
internal enum OutputActivation
{
    /// <summary>Not known (no model, or a layer that does not say): the loss looks at the predictions' graph.</summary>
    Unknown,

    /// <summary>A softmax over the last axis.</summary>
    Softmax,

    /// <summary>A logistic sigmoid.</summary>
    Sigmoid,

    /// <summary>Anything else (linear, relu, ...).</summary>
    Other,
}
