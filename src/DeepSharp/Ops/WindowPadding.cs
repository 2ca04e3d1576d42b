namespace DeepSharp;

/// <summary>
/// How a sliding window meets the edges of its input (Keras' <c>padding</c>): "valid" keeps only windows inside,
/// "same" pads to ceil(length / stride) outputs (the odd padding after), "causal" (1-D convolutions only) pads
/// (kernel − 1)·dilation steps before the sequence, so an output never sees a later step.
/// </summary>
internal enum WindowPadding
{
    Valid,
    Same,
    Causal,
}
