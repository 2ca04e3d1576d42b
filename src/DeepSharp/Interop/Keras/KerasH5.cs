using PureHDF;
using PureHDF.VOL.Native;

namespace DeepSharp;

/// <summary>
/// The part of an HDF5 file (read through PureHDF) that Keras' weights use: groups, string attributes and
/// float arrays, with the checks a hostile file needs. Whatever PureHDF throws on a damaged file becomes a
/// <see cref="FormatException"/> naming the file; links to other files are not followed; arrays are read
/// only after their declared size has been checked against the bytes the file holds (a dataset stored
/// whole cannot hold more than the file; a chunked one may be compressed, up to the ratio Keras itself
/// allows), so no allocation is sized by an unchecked number.
/// </summary>
internal sealed class KerasH5 : IDisposable
{
    /// <summary>Keras' own bound on a compressed dataset's expansion (saving_lib's _H5_DATASET_MAX_EXPANSION).</summary>
    private const long MaxExpansion = 1000;

    // External links would open other files; pointing them at a folder that does not exist keeps them unresolved.
    private static readonly H5LinkAccess NoExternalFiles = new(Path.Combine(Path.GetTempPath(), "deepsharp-no-external-links-" + Guid.NewGuid().ToString("N")));

    private readonly NativeFile _file;
    private readonly long _length;
    private long _storedBudget, _chunkedBudget;

    private KerasH5(NativeFile file, long length, string what)
    {
        _file = file;
        _length = length;
        _storedBudget = length;
        _chunkedBudget = checked(length * MaxExpansion);
        What = what;
    }

    /// <summary>What the file is, for messages ("'model.keras' (model.weights.h5)").</summary>
    internal string What { get; }

    /// <summary>The root group.</summary>
    internal NativeGroup Root => _file;

    /// <summary>Opens an HDF5 file held in a seekable stream (kept open until disposed).</summary>
    internal static KerasH5 Open(Stream stream, string what)
    {
        long length = stream.Length;
        return new KerasH5(Guard(() => H5File.Open(stream, leaveOpen: false), what, "cannot be opened as HDF5"), length, what);
    }

    /// <summary>The group at <paramref name="path"/> under <paramref name="parent"/>, or null when there is none.</summary>
    internal NativeGroup? Group(NativeGroup parent, string path) => Guard(() =>
    {
        if (!parent.LinkExists(path, NoExternalFiles)) return null;
        return parent.Get(path, NoExternalFiles) as NativeGroup
            ?? throw new FormatException($"{What}: '{path}' is not a group.");
    }, What, $"group '{path}' cannot be read");

    /// <summary>The dataset at <paramref name="path"/> under <paramref name="parent"/>, or null when there is none.</summary>
    internal NativeDataset? Dataset(NativeGroup parent, string path) => Guard(() =>
    {
        if (!parent.LinkExists(path, NoExternalFiles)) return null;
        return parent.Get(path, NoExternalFiles) as NativeDataset
            ?? throw new FormatException($"{What}: '{path}' is not a dataset.");
    }, What, $"dataset '{path}' cannot be read");

    /// <summary>The names of a group's children that are datasets (Keras' "0", "1", ...).</summary>
    internal List<string> DatasetNames(NativeGroup group) => Guard(() =>
    {
        var names = new List<string>();
        foreach (var child in group.Children(NoExternalFiles))
        {
            if (child is NativeDataset) names.Add(child.Name);
            else if (child is not NativeGroup)
                throw new FormatException($"{What}: '{child.Name}' is a link that does not resolve inside the file.");
        }
        return names;
    }, What, "a group's members cannot be listed");

    /// <summary>
    /// A string attribute, or null when absent. Keras writes strings as variable-length or fixed-length
    /// strings, and in some versions as bytes; all read as text.
    /// </summary>
    internal string? StringAttribute(NativeObject owner, string name) => Guard(() =>
    {
        if (!owner.AttributeExists(name)) return null;
        var attribute = owner.Attribute(name);
        if (attribute.Type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
            throw new FormatException($"{What}: attribute '{name}' is not text.");
        if (attribute.Space.Type != H5DataspaceType.Scalar && attribute.Space.Dimensions.Aggregate(1UL, (a, b) => a * b) != 1)
            throw new FormatException($"{What}: attribute '{name}' is not a single string.");
        CheckAttributeSize(attribute, name);
        return attribute.Space.Type == H5DataspaceType.Scalar ? attribute.Read<string>() : attribute.Read<string[]>()[0];
    }, What, $"attribute '{name}' cannot be read");

    /// <summary>
    /// A list-of-strings attribute (Keras 2's layer_names and weight_names), or null when absent. A layer
    /// without weights has an empty float array there, which reads as an empty list.
    /// </summary>
    internal string[]? StringListAttribute(NativeObject owner, string name) => Guard(() =>
    {
        if (!owner.AttributeExists(name)) return null;
        var attribute = owner.Attribute(name);
        if (attribute.Space.Type == H5DataspaceType.Null) return [];
        var dims = attribute.Space.Dimensions;
        if (attribute.Space.Type == H5DataspaceType.Simple && dims.Length == 1 && dims[0] == 0) return [];
        if (attribute.Type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
            throw new FormatException($"{What}: attribute '{name}' is not a list of strings.");
        if (attribute.Space.Type == H5DataspaceType.Scalar) return [attribute.Read<string>()];
        if (dims.Length != 1) throw new FormatException($"{What}: attribute '{name}' is not a one-dimensional list.");
        CheckAttributeSize(attribute, name);
        return attribute.Read<string[]>();
    }, What, $"attribute '{name}' cannot be read");

    /// <summary>A dataset's shape, checked to be a float array whose declared size the file can hold.</summary>
    internal long[] FloatShape(NativeDataset dataset, string where) => Guard(() =>
    {
        var type = dataset.Type;
        if (type.Class != H5DataTypeClass.FloatingPoint || type.Size is not (4 or 8))
            throw new FormatException($"{where}: the array is {type.Class} of {type.Size} bytes; Keras weights are float32 (or float64).");
        if (dataset.Space.Type == H5DataspaceType.Null) throw new FormatException($"{where}: the array has no data space.");
        var dims = dataset.Space.Type == H5DataspaceType.Scalar ? [] : dataset.Space.Dimensions;
        var shape = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            shape[i] = dims[i] <= int.MaxValue ? (long)dims[i] : throw new FormatException($"{where}: dimension {i} is {dims[i]}, larger than any array DeepSharp holds.");
        return shape;
    }, What, $"{where} cannot be read");

    /// <summary>
    /// Charges an array checked by <see cref="FloatShape"/> to the file's budget: an array stored whole cannot hold
    /// more than the file, a chunked one (perhaps compressed) more than Keras' own expansion bound. Called for every
    /// array before the model is built, so the model never allocates more than the file can justify.
    /// </summary>
    internal void Reserve(NativeDataset dataset, long[] shape, string where) => Guard(() =>
    {
        long count = 1;
        foreach (long d in shape) count = checked(count * d);
        long bytes = checked(count * (long)dataset.Type.Size);
        var layout = dataset.Layout.Class;
        if (layout is not (H5DataLayoutClass.Compact or H5DataLayoutClass.Contiguous or H5DataLayoutClass.Chunked))
            throw new FormatException($"{where}: the array is stored as {layout}; Keras stores arrays in the file itself.");
        ref long budget = ref layout == H5DataLayoutClass.Chunked ? ref _chunkedBudget : ref _storedBudget;
        if (bytes > budget || count > Array.MaxLength)
            throw new FormatException($"{where}: the array declares {bytes} bytes, more than the {_length} bytes of the file can hold.");
        budget -= bytes;
        return true;
    }, What, $"{where} cannot be read");

    /// <summary>Reads a float array charged by <see cref="Reserve"/>, as float32.</summary>
    internal float[] ReadFloats(NativeDataset dataset, string where) => Guard(() =>
    {
        if (dataset.Type.Size == 4) return dataset.Read<float[]>();
        var wide = dataset.Read<double[]>();
        var narrow = new float[wide.Length];
        for (int i = 0; i < wide.Length; i++) narrow[i] = (float)wide[i];
        return narrow;
    }, What, $"{where} cannot be read");

    private void CheckAttributeSize(IH5Attribute attribute, string name)
    {
        ulong count = attribute.Space.Type == H5DataspaceType.Scalar ? 1 : attribute.Space.Dimensions.Aggregate(1UL, (a, b) => checked(a * b));
        if (count > (ulong)_length) throw new FormatException($"{What}: attribute '{name}' declares {count} strings, more than the file can hold.");
    }

    /// <summary>Runs a PureHDF call, turning its failures on damaged input into a <see cref="FormatException"/>.</summary>
    internal static T Guard<T>(Func<T> read, string what, string problem)
    {
        try
        {
            return read();
        }
        catch (FormatException)
        {
            throw;
        }
        catch (OutOfMemoryException e)
        {
            // PureHDF sizes some buffers by numbers in the file (heap objects, fill values) before reading them; past
            // what an array can hold it fails before allocating anything.
            throw new FormatException($"{what}: {problem}; the HDF5 data declares a block larger than any array ({e.Message})", e);
        }
        catch (Exception e)
        {
            throw new FormatException($"{what}: {problem}; the HDF5 data is damaged ({e.GetType().Name}: {e.Message})", e);
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _file.Dispose();
}
