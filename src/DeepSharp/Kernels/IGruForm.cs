namespace DeepSharp.Kernels;

/// <summary>
/// Which of Keras' two GRU forms a <see cref="GruStep{TForm}"/> computes: a type argument rather than a field, so that
/// each form's loop is compiled on its own with the other form's branch removed.
/// </summary>
internal interface IGruForm
{
    /// <summary>True: the reset gate scales the recurrent product of the candidate (Keras' default <c>reset_after</c>).</summary>
    static abstract bool ResetAfter { get; }
}

/// <summary>Keras' <c>reset_after=True</c> (its default, and cuDNN's): ĥ = act(x_h + r·(h₋₁·R_h + b_h)).</summary>
internal readonly struct GruResetAfter : IGruForm
{
    public static bool ResetAfter => true;
}

/// <summary>Keras' <c>reset_after=False</c> (Keras 1, ONNX's default): ĥ = act(x_h + (r·h₋₁)·R_h), after <see cref="GruGateStep"/>.</summary>
internal readonly struct GruResetBefore : IGruForm
{
    public static bool ResetAfter => false;
}
