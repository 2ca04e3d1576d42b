namespace DeepSharp;

/// <summary>A layer that can explain how to change its output when the next layer refuses it.</summary>
internal interface IOutputHint
{
    /// <summary>The advice, e.g. "Set returnSequences: true on 'lstm'".</summary>
    string HintForNextLayer();
}
