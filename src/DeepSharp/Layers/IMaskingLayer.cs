namespace DeepSharp;

/// <summary>
/// A layer that takes or makes a step mask ([batch, timesteps], 1 = a real step, 0 = padding), as Keras'
/// mask propagation: <see cref="Masking"/> and <see cref="Embedding"/> (maskZero) make one, recurrent layers
/// skip masked steps, and a recurrent layer returning sequences passes the mask on. <see cref="Sequential"/>
/// carries the mask from layer to layer; a layer that is not an <see cref="IMaskingLayer"/> ends it.
/// </summary>
internal interface IMaskingLayer
{
    /// <summary>Calls the layer on <paramref name="inputs"/> with the incoming <paramref name="mask"/> (or null), and replaces it by the output's mask.</summary>
    Tensor CallMasked(Tensor inputs, ref Tensor? mask, bool training);
}
