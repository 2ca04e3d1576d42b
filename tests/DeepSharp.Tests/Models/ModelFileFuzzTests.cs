using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.TestSupport;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Models;

/// <summary>
/// Corrupted model files, by the thousand: every load returns the model saved (same predictions and settings),
/// or, where the corruption makes another valid model in a file without checksum, that model, or throws the
/// documented InvalidDataException naming the file; never another exception, never more memory than the bound
/// (see <see cref="LoadJudge.Bound"/>). Each test prints its case count and outcomes.
/// </summary>
/// <remarks>
/// The configuration edits are exhaustive and deterministic (every value of every saved configuration replaced
/// by values of every JSON type, every key renamed, deleted, or joined by an unknown one); the byte-level
/// corruptions are drawn by CsCheck generators from fixed seeds (<see cref="FuzzCases"/>): the same cases on every
/// run, a failure names its seed, and DEEPSHARP_FUZZ_SEED / DEEPSHARP_FUZZ_CASES draw others or more for a longer probe.
/// </remarks>
public class ModelFileFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Documents = ["model", "compile", "build_input_shape"];

    private static int DrawnCases => FuzzCases.Count(6_000);

    [Fact]
    public void Every_configuration_value_replaced_by_every_JSON_type_loads_the_same_model_another_valid_one_or_is_refused()
    {
        using var dir = TempDirectory.InMemory();
        var judge = new LoadJudge(dir.Path);
        foreach (var (entry, document, root) in ConfigurationDocuments())
            foreach (var path in JsonEdits.Values(root))
            {
                var original = JsonEdits.At(root, path);
                foreach (var text in JsonEdits.Replacements)
                {
                    var value = JsonNode.Parse(text);
                    // A value of another type may only load as the same model (a pair written as one number);
                    // a value of the same type, or one that replaces a null, may make another valid model.
                    var rule = MayChangeTheModel(path, original, value) ? LoadRule.RefusedOrAnyModel : LoadRule.RefusedOrSame;
                    var edited = SafeTensorsBytes.Parse(entry.Bytes).WithoutChecksum().SetJson(document, JsonEdits.Replace(root, path, value));
                    judge.Judge(edited.ToBytes(), entry, rule, $"{entry.Name}: {document}{JsonEdits.Format(path)} = {text}");
                }
            }
        output.WriteLine(judge.Summary("Configuration values"));
        Assert.True(judge.Cases > 10_000, $"only {judge.Cases} cases");
    }

    /// <remarks>
    /// One exception: the attributes of an imported ONNX node are ONNX's open map, and an attribute its op does not
    /// read is ignored on reload as on import (the importer has no per-op list of attributes yet), so a renamed or
    /// added attribute may load another model; in a file with its checksum it is refused like any edit.
    /// </remarks>
    [Fact]
    public void Every_key_renamed_or_added_is_refused_and_every_key_deleted_loads_or_is_refused()
    {
        using var dir = TempDirectory.InMemory();
        var judge = new LoadJudge(dir.Path);
        foreach (var (entry, document, root) in ConfigurationDocuments())
        {
            foreach (var path in JsonEdits.Keys(root))
            {
                string label = $"{entry.Name}: {document}{JsonEdits.Format(path)}";
                string key = (string)path[^1];
                var renamedRule = path is [.., "attributes", string] ? LoadRule.RefusedOrAnyModel : LoadRule.Refused;
                judge.Judge(Edited(entry, document, JsonEdits.Rename(root, path, key[..^1] + (char)(key[^1] ^ 1))), entry, renamedRule, label + " renamed");
                judge.Judge(Edited(entry, document, JsonEdits.Rename(root, path, null)), entry, LoadRule.RefusedOrAnyModel, label + " deleted");
            }
            foreach (var path in JsonEdits.Objects(root))
            {
                var addedRule = path is [.., "attributes"] ? LoadRule.RefusedOrAnyModel : LoadRule.Refused;
                judge.Judge(Edited(entry, document, JsonEdits.AddKey(root, path, "unexpected")), entry, addedRule, $"{entry.Name}: {document}{JsonEdits.Format(path)} + unexpected");
            }
        }
        foreach (var entry in FuzzCorpus.All)
        {
            // The metadata and the tensors' entries in the header are strict too.
            foreach (var key in entry.Unchecked().Metadata.Select(m => m.Key).ToList())
            {
                var renamed = entry.Unchecked();
                renamed.Metadata[key + "_"] = renamed.Metadata[key]!.DeepClone();
                renamed.Metadata.Remove(key);
                judge.Judge(renamed.ToBytes(), entry, LoadRule.Refused, $"{entry.Name}: metadata {key} renamed");
            }
            foreach (var name in entry.Unchecked().Header.Select(h => h.Key).Where(k => k != "__metadata__").ToList())
            {
                var extra = entry.Unchecked();
                extra.Header[name]!["note"] = "x";
                judge.Judge(extra.ToBytes(), entry, LoadRule.Refused, $"{entry.Name}: tensor {name} + note");
            }
        }
        output.WriteLine(judge.Summary("Configuration keys"));
    }

    /// <summary>
    /// Whether replacing <paramref name="original"/> by <paramref name="value"/> may make another valid model: a
    /// value that replaces a null, or whose JSON type the key takes (the types its values have in the saved
    /// configurations, and the other forms the reader accepts, as Keras does). Any other value may only load as the
    /// same model; a reader that dropped it silently (metrics given as a string) would load another.
    /// </summary>
    private static bool MayChangeTheModel(object[] path, JsonNode? original, JsonNode? value)
    {
        if (original is null) return true;
        var kind = JsonEdits.Kind(value);
        if (kind == JsonEdits.Kind(original)) return true;
        return path switch
        {
            [.., "batch_shape", 0] => kind == JsonValueKind.Number,
            [.., string key] => Kinds.Value.TryGetValue(key, out var kinds) && kinds.Contains(kind),
            _ => false,
        };
    }

    /// <summary>The JSON types each key takes: those its values have in the saved configurations, and the other forms the reader accepts.</summary>
    private static readonly Lazy<Dictionary<string, HashSet<JsonValueKind>>> Kinds = new(() =>
    {
        var kinds = new Dictionary<string, HashSet<JsonValueKind>>(StringComparer.Ordinal);
        void Add(string key, params JsonValueKind[] more)
        {
            if (!kinds.TryGetValue(key, out var set)) kinds[key] = set = [];
            set.UnionWith(more);
        }
        foreach (var (_, _, root) in ConfigurationDocuments())
            foreach (var path in JsonEdits.Keys(root)) Add((string)path[^1], JsonEdits.Kind(JsonEdits.At(root, path)));
        // A (height, width) pair may be one number; a learning rate a number or a schedule; an initializer, a
        // regularizer, an optimizer or a loss its name; an axis a list of one; an activation a name or an object.
        foreach (var key in new[] { "kernel_size", "strides", "pool_size", "size", "dilation_rate", "output_padding", "padding", "axis" })
            Add(key, JsonValueKind.Number, JsonValueKind.Array);
        Add("learning_rate", JsonValueKind.Number, JsonValueKind.Object);
        foreach (var key in new[] { "seed", "warmup_target", "clipnorm", "clipvalue", "global_clipnorm", "weight_decay", "output_padding" })
            Add(key, JsonValueKind.Null); // written as null when not set
        foreach (var key in kinds.Keys.Where(k => k.EndsWith("_initializer", StringComparison.Ordinal) || k.EndsWith("_regularizer", StringComparison.Ordinal)
            || k is "optimizer" or "loss" or "activation" or "recurrent_activation").ToList())
            Add(key, JsonValueKind.String, JsonValueKind.Object, JsonValueKind.Null);
        kinds["activation"].Remove(JsonValueKind.Null);
        kinds["recurrent_activation"].Remove(JsonValueKind.Null);
        foreach (var key in new[] { "optimizer", "loss" }) kinds[key].Remove(JsonValueKind.Null);
        foreach (var key in kinds.Keys.Where(k => k.EndsWith("_initializer", StringComparison.Ordinal))) kinds[key].Remove(JsonValueKind.Null);
        return kinds;
    });

    /// <summary>Every configuration document of every model of the corpus (its file without checksum): the entry, the document's name, its JSON.</summary>
    private static IEnumerable<(FuzzCorpus.Entry Entry, string Document, JsonNode? Root)> ConfigurationDocuments()
    {
        foreach (var entry in FuzzCorpus.All)
        {
            var file = entry.Unchecked();
            foreach (var document in Documents) yield return (entry, document, file.Json(document));
        }
    }

    private static byte[] Edited(FuzzCorpus.Entry entry, string document, JsonNode? root) =>
        entry.Unchecked().SetJson(document, root).ToBytes();

    /// <summary>A corruption drawn by CsCheck; the numbers mean what <see cref="Corrupt"/> makes of them.</summary>
    public sealed record Corruption(int Model, int Kind, bool KeepChecksum, int A, int B, long C);

    private static readonly Gen<Corruption> Corruptions =
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, 6], Gen.Bool, Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Long)
            .Select((model, kind, keep, a, b, c) => new Corruption(model, kind, keep, a, b, c));

    [Fact]
    public void Drawn_byte_level_corruptions_load_the_same_model_or_are_refused()
    {
        using var dir = TempDirectory.InMemory();
        var judge = new LoadJudge(dir.Path);
        FuzzCases.Run(Corruptions, DrawnCases, c =>
        {
            var entry = FuzzCorpus.All[c.Model % FuzzCorpus.All.Count];
            var (bytes, rule, what) = Corrupt(entry, c);
            judge.Judge(bytes, entry, rule, $"{entry.Name}: {what}");
        });
        output.WriteLine(judge.Summary("Drawn corruptions"));
    }

    /// <summary>
    /// The file a drawn corruption makes, and what it may lead to: with the checksum kept every corruption is
    /// detected or harmless; without it, damage to the data or a consistent header edit can make another model.
    /// </summary>
    private static (byte[] Bytes, LoadRule Rule, string What) Corrupt(FuzzCorpus.Entry entry, Corruption c)
    {
        var file = c.KeepChecksum ? SafeTensorsBytes.Parse(entry.Bytes) : entry.Unchecked();
        var bytes = file.ToBytes();
        var random = new Random(c.A);
        var keepRule = c.KeepChecksum ? LoadRule.RefusedOrSame : LoadRule.RefusedOrAnyModel;
        string sealing = c.KeepChecksum ? "checksummed" : "no checksum";
        switch (c.Kind)
        {
            case 0: // truncation: always detected
            {
                int length = (int)((uint)c.B % (uint)bytes.Length);
                return (bytes[..length], LoadRule.RefusedOrSame, $"{sealing}, truncated to {length} of {bytes.Length} bytes");
            }
            case 1: // one to three bit flips anywhere
            {
                int flips = 1 + c.B % 3;
                var positions = new List<int>();
                for (int i = 0; i < flips; i++)
                {
                    int at = random.Next(bytes.Length);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    positions.Add(at);
                }
                return (bytes, keepRule, $"{sealing}, bits flipped at {string.Join(", ", positions)}");
            }
            case 2: // the header length field
            {
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
                ulong value = (c.B % 4) switch
                {
                    0 => (ulong)c.C,
                    1 => (ulong)(uint)c.C,
                    2 => length + (ulong)(c.C % 33) - 16,
                    _ => (ulong)(c.C % 256),
                };
                if (value == length) value++;
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
                return (bytes, LoadRule.RefusedOrSame, $"{sealing}, header length {length} -> {value}");
            }
            case 3: // a tensor's dtype
            {
                var (name, tensor) = PickTensor(file, c.B);
                string[] dtypes = ["F32", "F16", "BF16", "F64", "I64", "I32", "U8", "BOOL", "C64", "F8_E4M3", "f32", "", "F32 "];
                string dtype = dtypes[(int)((ulong)c.C % (ulong)dtypes.Length)];
                tensor["dtype"] = dtype;
                return (file.ToBytes(), keepRule, $"{sealing}, tensor {name} dtype {dtype}");
            }
            case 4: // a tensor's shape, products that overflow included
            {
                var (name, tensor) = PickTensor(file, c.B);
                long[] sizes = [0, 1, 2, 3, 8, 16, 65536, 1L << 31, int.MaxValue, (long)uint.MaxValue, long.MaxValue, -1];
                int rank = random.Next(0, 10);
                var shape = new JsonArray(Enumerable.Range(0, rank).Select(_ => (JsonNode?)sizes[random.Next(sizes.Length)]).ToArray());
                tensor["shape"] = shape;
                return (file.ToBytes(), keepRule, $"{sealing}, tensor {name} shape {shape.ToJsonString()}");
            }
            case 5: // a tensor's data offsets
            {
                var (name, tensor) = PickTensor(file, c.B);
                var offsets = tensor["data_offsets"]!.AsArray();
                long begin = (long)offsets[0]!, end = (long)offsets[1]!;
                long[] candidates = [0, begin - 4, begin + 4, end, end + 4, end - 4, file.Data.Length, file.Data.Length + 4, c.C & long.MaxValue, -1];
                offsets[random.Next(2)] = candidates[random.Next(candidates.Length)];
                if (random.Next(4) == 0) tensor["data_offsets"] = new JsonArray(offsets[1]!.DeepClone(), offsets[0]!.DeepClone());
                return (file.ToBytes(), keepRule, $"{sealing}, tensor {name} data_offsets {tensor["data_offsets"]!.ToJsonString()}");
            }
            default: // a configuration value replaced by a drawn one
            {
                string document = Documents[c.B % Documents.Length];
                var root = file.Json(document);
                var paths = JsonEdits.Values(root);
                var path = paths[random.Next(paths.Count)];
                JsonNode? value = (c.C % 5) switch
                {
                    0 => c.C >> 8,
                    1 => BitConverter.Int64BitsToDouble(c.C) is var d && double.IsFinite(d) ? d : 0.25,
                    2 => new string((char)('a' + (int)((ulong)c.C % 26)), 1 + random.Next(3)),
                    3 => new JsonArray(random.Next(int.MinValue, int.MaxValue), random.Next()),
                    _ => JsonNode.Parse(JsonEdits.Replacements[random.Next(JsonEdits.Replacements.Length)]),
                };
                file.SetJson(document, JsonEdits.Replace(root, path, value));
                var original = JsonEdits.At(root, path);
                var rule = c.KeepChecksum ? LoadRule.RefusedOrSame
                    : MayChangeTheModel(path, original, value) ? LoadRule.RefusedOrAnyModel : LoadRule.RefusedOrSame;
                return (file.ToBytes(), rule, $"{sealing}, {document}{JsonEdits.Format(path)} = {value?.ToJsonString() ?? "null"}");
            }
        }
    }

    private static (string Name, JsonObject Entry) PickTensor(SafeTensorsBytes file, int pick)
    {
        var tensors = file.Header.Where(h => h.Key != "__metadata__").ToList();
        var (name, entry) = tensors[pick % tensors.Count];
        return (name, (JsonObject)entry!);
    }
}
