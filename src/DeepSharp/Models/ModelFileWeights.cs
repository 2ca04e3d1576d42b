namespace DeepSharp;

/// <summary>
/// The weights of a model file while <see cref="Model.Load"/> rebuilds its layers: each weight a layer asks
/// for is checked against the file (present, same shape, a dtype DeepSharp reads) before it is allocated, then
/// read straight from the file. A load therefore allocates no more than the file holds, whatever the
/// configuration says, and runs no initializer.
/// </summary>
internal sealed class ModelFileWeights(SafeTensorsReader reader, bool allowNonFinite) : WeightSource
{
    private readonly HashSet<string> taken = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    internal override Tensor Take(string name, TensorShape shape)
    {
        if (!reader.TryFind(name, out var entry))
            throw Invalid($"the configuration makes a weight '{name}' of shape {shape}, which the file does not hold ({Holds()}).");
        if (!taken.Add(name))
            throw Invalid($"the configuration makes the weight '{name}' twice (two layers share a name).");
        if (entry.Shape != shape)
            throw Invalid($"weight '{name}' has shape {entry.Shape} in the file but the configuration makes it {shape}.");
        if (!SafeTensorsReader.IsReadable(entry.DType))
            throw Invalid($"weight '{name}' has dtype {entry.DType}; DeepSharp reads F32, F16, BF16 and F64 (converted to float32).");
        return reader.ReadTensor(entry, allowNonFinite);
    }

    /// <summary>Checks the model took every tensor of the file, and the file gave every weight of the model.</summary>
    internal void CheckComplete(Model model)
    {
        foreach (var weight in model.Weights)
            if (weight.Name is null || !taken.Contains(weight.Name))
                throw Invalid($"the model's weight '{weight.Name}' did not come from the file.");
        if (taken.Count == reader.Entries.Count) return;
        var unused = reader.Entries.Where(e => !taken.Contains(e.Name)).Select(e => SafeTensorsReader.Shorten(e.Name)).Take(10).ToList();
        int more = reader.Entries.Count - taken.Count - unused.Count;
        throw Invalid($"the file holds {reader.Entries.Count - taken.Count} tensors the model does not have: {string.Join(", ", unused)}{(more > 0 ? $" and {more} more" : "")}.");
    }

    /// <summary>The first names the file holds, for messages.</summary>
    private string Holds()
    {
        if (reader.Entries.Count == 0) return "it holds no tensors";
        var names = reader.Entries.Take(10).Select(e => SafeTensorsReader.Shorten(e.Name));
        return $"it holds {string.Join(", ", names)}{(reader.Entries.Count > 10 ? $" and {reader.Entries.Count - 10} more" : "")}";
    }

    private InvalidDataException Invalid(string problem) => new($"Model file '{reader.Path}': {problem}");
}
