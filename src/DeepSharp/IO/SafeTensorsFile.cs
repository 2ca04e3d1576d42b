namespace DeepSharp;

/// <summary>
/// The content of a safetensors file: its tensors by name, in the order their data lies in the file, and its
/// free-form string metadata. Returned by <see cref="SafeTensors.Load(string)"/>.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    internal SafeTensorsFile(string path, OrderedDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file this was read from.</summary>
    public string Path { get; }

    /// <summary>The tensors by name, in file order. Each tensor's <see cref="Tensor.Name"/> is its key.</summary>
    public OrderedDictionary<string, Tensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map of the header (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name; the message lists those that exist.</exception>
    public Tensor this[string name] =>
        Tensors.TryGetValue(name, out var tensor)
            ? tensor
            : throw new KeyNotFoundException($"SafeTensors '{Path}': no tensor named '{name}'; the file holds {(Tensors.Count == 0 ? "none" : string.Join(", ", Tensors.Keys))}.");

    /// <summary>Disposes every tensor (returning its memory to the pool).</summary>
    public void Dispose()
    {
        foreach (var tensor in Tensors.Values) tensor.Dispose();
    }
}
