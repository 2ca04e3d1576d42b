using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Keras 3's <c>.keras</c> archive (keras/src/saving/saving_lib.py): a zip holding <c>config.json</c> (the
/// serialized model), <c>metadata.json</c> (keras_version, date_saved) and <c>model.weights.h5</c> (the
/// weights, one <c>vars</c> group per saveable). Members are read only up to sizes the archive can hold
/// (a member that declares more than its limit, or inflates past what it declared, is refused).
/// </summary>
internal static class KerasArchive
{
    internal const string ConfigName = "config.json", MetadataName = "metadata.json", WeightsName = "model.weights.h5";

    /// <summary>The Keras version whose layout DeepSharp writes (the layout is the same from 3.6 on).</summary>
    internal const string WrittenKerasVersion = "3.8.0";

    private const long MaxJsonBytes = 64L << 20;

    /// <summary>Reads the model of a <c>.keras</c> archive.</summary>
    internal static Model Read(Stream stream)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"the zip archive is damaged ({e.Message})", e);
        }
        using (zip)
        {
            if (zip.GetEntry("model.weights.npz") is not null && zip.GetEntry(WeightsName) is null)
                throw new FormatException("its weights are in model.weights.npz; DeepSharp reads the default h5 weights (model.weights.h5).");
            var configEntry = zip.GetEntry(ConfigName) ?? throw new FormatException($"the archive has no {ConfigName}, so it is not a Keras 3 model file.");
            var config = KerasJson.ParseObject(Encoding.UTF8.GetString(ReadMember(configEntry, MaxJsonBytes)), ConfigName);
            // Keras 2.13 to 2.15 wrote this format too; their activations are Keras 2's.
            int kerasMajor = 3;
            if (zip.GetEntry(MetadataName) is { } metadata)
            {
                var meta = KerasJson.ParseObject(Encoding.UTF8.GetString(ReadMember(metadata, MaxJsonBytes)), MetadataName);
                if (meta["keras_version"] is JsonValue v && v.TryGetValue(out string? version) && version.StartsWith("2.", StringComparison.Ordinal)) kerasMajor = 2;
            }
            var model = KerasModelConfig.Read(config, kerasMajor);
            var weightsEntry = zip.GetEntry(WeightsName) ?? throw new FormatException($"the archive has no {WeightsName}.");
            using var weights = new MemoryStream(ReadMember(weightsEntry, Array.MaxLength), writable: false);
            using var h5 = KerasH5.Open(weights, WeightsName);
            return KerasModelLoader.Load(model, new Keras3Weights(h5));
        }
    }

    /// <summary>Writes <paramref name="model"/> as a <c>.keras</c> archive into <paramref name="stream"/>.</summary>
    internal static void Write(Model model, Stream stream)
    {
        var config = KerasModelWriter.Config(model);
        var weights = new MemoryStream();
        KerasModelWriter.Weights(model).Write(weights);
        var metadata = new JsonObject
        {
            ["keras_version"] = WrittenKerasVersion,
            ["date_saved"] = DateTime.Now.ToString("yyyy-MM-dd@HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
            ["writer"] = "DeepSharp " + (typeof(Model).Assembly.GetName().Version?.ToString(3) ?? "0"),
        };
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        WriteMember(zip, MetadataName, Encoding.UTF8.GetBytes(metadata.ToJsonString()));
        WriteMember(zip, ConfigName, Encoding.UTF8.GetBytes(config.ToJsonString()));
        WriteMember(zip, WeightsName, weights.ToArray());
    }

    private static void WriteMember(ZipArchive zip, string name, byte[] bytes)
    {
        // Keras stores its members uncompressed; so does DeepSharp.
        using var member = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        member.Write(bytes);
    }

    private static byte[] ReadMember(ZipArchiveEntry entry, long limit)
    {
        if (entry.Length > limit)
            throw new FormatException($"{entry.FullName} declares {entry.Length} bytes, more than the {limit} DeepSharp reads.");
        var bytes = new byte[entry.Length];
        try
        {
            using var member = entry.Open();
            int read = 0;
            while (read < bytes.Length)
            {
                int n = member.Read(bytes, read, bytes.Length - read);
                if (n == 0) throw new FormatException($"{entry.FullName} ends after {read} of its {bytes.Length} bytes.");
                read += n;
            }
            if (member.ReadByte() >= 0) throw new FormatException($"{entry.FullName} holds more than the {bytes.Length} bytes it declares.");
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"{entry.FullName} is damaged ({e.Message})", e);
        }
        return bytes;
    }

    /// <summary>Keras 3's weights: the arrays "0", "1", ... of each group's <c>vars</c>.</summary>
    private sealed class Keras3Weights(KerasH5 file) : KerasModelLoader.IWeightSource
    {
        public KerasH5 File => file;

        public List<KerasModelLoader.StoredArray> ArraysOf(string layerName, string path, List<KerasWeightLayout.Group> groups)
        {
            var arrays = new List<KerasModelLoader.StoredArray>();
            foreach (var group in groups)
            {
                // Keras 2.13 named the layers' groups _layer_checkpoint_dependencies; Keras 3 reads both.
                var vars = file.Group(file.Root, group.Path + "/vars")
                    ?? (file.Group(file.Root, "_layer_checkpoint_dependencies") is null ? null
                        : file.Group(file.Root, "_layer_checkpoint_dependencies" + group.Path["layers".Length..] + "/vars"));
                int stored = vars is null ? 0 : file.DatasetNames(vars).Count;
                if (stored != group.Shapes.Length)
                    throw new FormatException(
                        $"layer '{layerName}': '{group.Path}/vars' holds {stored} arrays, but the layer keeps {group.Shapes.Length} there.");
                for (int i = 0; i < stored; i++)
                {
                    string where = $"'{group.Path}/vars/{i}'";
                    var dataset = file.Dataset(vars!, i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                        ?? throw new FormatException($"layer '{layerName}': {where} is missing.");
                    arrays.Add(new(dataset, file.FloatShape(dataset, where), where));
                }
            }
            return arrays;
        }
    }
}
