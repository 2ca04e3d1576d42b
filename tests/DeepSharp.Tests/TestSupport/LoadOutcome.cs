namespace DeepSharp.Tests.TestSupport;

/// <summary>What became of one corrupted file: refused with the documented exception, loaded as the same model, or loaded as another one.</summary>
internal enum LoadOutcome
{
    Refused,
    Same,
    Different,
}

/// <summary>What a corruption may lead to.</summary>
internal enum LoadRule
{
    /// <summary>Refused, or the very model saved (same predictions, configuration and compile settings).</summary>
    RefusedOrSame,

    /// <summary>Refused, or any model (an edit that makes another valid model, in a file without checksum).</summary>
    RefusedOrAnyModel,

    /// <summary>Refused: nothing else is acceptable (an unknown key).</summary>
    Refused,
}
