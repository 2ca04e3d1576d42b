using System.Numerics.Tensors;

namespace DeepSharp;

public static partial class Ops
{
    // ---- embedding lookup: the rows of a table picked by ids; its gradient is Gather's (rows scattered back) ----

    /// <summary>
    /// The rows of <paramref name="embeddings"/> that integer-valued <paramref name="ids"/> pick, as an Embedding
    /// layer looks them up: shape ids.Shape + (columns). Ids outside [0, rows) are refused, naming
    /// <paramref name="owner"/> and reporting the range received.
    /// </summary>
    internal static Tensor Embedding(Tensor embeddings, Tensor ids, string owner, string argument)
    {
        ids = Contiguous(ids);
        var values = ids.Span;
        float low = TensorPrimitives.Min(values), high = TensorPrimitives.Max(values);
        int rows = embeddings._shape[0];
        if (low < 0 || high >= rows)
            throw new ArgumentException($"{owner} takes ids in [0, {rows}); got ids from {low} to {high}.", argument);
        return Gather(embeddings, ids, 0);
    }
}
