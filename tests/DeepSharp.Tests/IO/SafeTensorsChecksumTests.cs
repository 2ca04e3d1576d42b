using System.Security.Cryptography;
using System.Text;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.IO;

/// <summary>
/// The checksum DeepSharp writes into model and weight files: the file stays plain safetensors, any bit flip in
/// its data or metadata is detected on load, and files without one (another tool's, older ones) still load.
/// </summary>
public class SafeTensorsChecksumTests
{
    [Fact]
    public void Model_files_carry_a_sha256_over_metadata_tensors_and_data_that_an_independent_computation_agrees_with()
    {
        var file = SafeTensorsBytes.Parse(SavedModels.MlpBytes);
        string checksum = (string)file.Metadata["checksum"]!;
        Assert.StartsWith("sha256:", checksum);
        Assert.Equal(Recompute(file), checksum);
    }

    [Fact]
    public void Every_single_bit_flip_in_the_data_is_detected()
    {
        using var dir = new TempDirectory();
        string path = dir.File("flip.dsm");
        var original = SavedModels.MlpBytes;
        int dataStart = original.Length - SafeTensorsBytes.Parse(original).Data.Length;
        var random = new Random(5);
        for (int trial = 0; trial < 40; trial++)
        {
            var bytes = (byte[])original.Clone();
            int at = dataStart + random.Next(bytes.Length - dataStart);
            bytes[at] ^= (byte)(1 << random.Next(8));
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
            Assert.Contains("checksum does not match", e.Message);
        }
    }

    [Fact]
    public void An_edited_configuration_is_detected_even_when_it_is_valid()
    {
        using var dir = new TempDirectory();
        string path = dir.File("edited.dsm");
        SafeTensorsBytes.Parse(SavedModels.MlpBytes).EditJson("model", model =>
        {
            model!["config"]!["layers"]![2]!["config"]!["rate"] = 0.5;
            return model;
        }).Write(path);
        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("checksum does not match", e.Message);
    }

    [Fact]
    public void A_deleted_activation_is_detected_rather_than_loaded_as_linear()
    {
        // Keras reads a missing activation as linear, and so does the reader in a file without checksum; in a file
        // DeepSharp wrote, the deletion is an edit, and the checksum refuses it.
        using var dir = new TempDirectory();
        string path = dir.File("no-activation.dsm");
        SafeTensorsBytes.Parse(SavedModels.MlpBytes).EditJson("model", model =>
        {
            ((System.Text.Json.Nodes.JsonObject)model!["config"]!["layers"]![1]!["config"]!).Remove("activation");
            return model;
        }).Write(path);
        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("checksum does not match", e.Message);
    }

    [Theory]
    [InlineData("sha256:abc")]
    [InlineData("md5:0123")]
    [InlineData("")]
    public void A_malformed_checksum_in_a_DeepSharp_file_is_refused(string value)
    {
        using var dir = new TempDirectory();
        string path = dir.File("malformed.dsm");
        var file = SafeTensorsBytes.Parse(SavedModels.MlpBytes);
        file.Metadata["checksum"] = value;
        file.Write(path);
        Assert.Contains("the checksum in its metadata is", Assert.Throws<InvalidDataException>(() => Model.Load(path)).Message);
    }

    [Fact]
    public void Files_without_a_checksum_and_other_tools_files_still_load()
    {
        using var dir = new TempDirectory();
        string path = dir.File("plain.dsm");
        SafeTensorsBytes.Parse(SavedModels.MlpBytes).WithoutChecksum().Write(path);
        Assert.Equal(SavedModels.MlpPredictions, Model.Load(path).Predict(SavedModels.Input([4, 4])).ToArray());

        // A foreign "checksum" key in a file that is not DeepSharp's is left alone by SafeTensors.Load.
        string foreign = dir.File("foreign.safetensors");
        SafeTensors.Save(foreign, [("w", Tensor.Ones(2))], new Dictionary<string, string> { ["checksum"] = "crc32:1234" });
        Assert.Equal([1f, 1f], SafeTensors.Load(foreign)["w"].ToArray());
    }

    [Fact]
    public void Weight_files_are_checked_too()
    {
        using var dir = new TempDirectory();
        string path = dir.File("weights.safetensors");
        var model = SavedModels.MakeMlp();
        model.SaveWeights(path);
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("checksum does not match", Assert.Throws<InvalidDataException>(() => model.LoadWeights(path)).Message);
        Assert.Contains("checksum does not match", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path)).Message);
    }

    [Fact]
    public void Non_finite_weights_are_refused_unless_the_caller_allows_them()
    {
        using var dir = new TempDirectory();
        string path = dir.File("nan.dsm");
        var model = SavedModels.MakeMlp();
        var kernel = model.Layers[1].Weights[0];
        var values = kernel.ToArray();
        values[5] = float.PositiveInfinity;
        kernel.CopyFrom(values);
        model.Save(path); // the checksum covers the infinity: the file is intact, its content is not finite

        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains("tensor 'hidden/kernel' holds a non-finite value", e.Message);
        Assert.Contains("at element 5 of shape (16, 8)", e.Message);
        Assert.Contains("allowNonFinite", e.Message);
        var loaded = Model.Load(path, allowNonFinite: true);
        Assert.Equal(float.PositiveInfinity, loaded.Layers[1].Weights[0].ToArray()[5]);

        var twin = SavedModels.MakeMlp();
        Assert.Throws<InvalidDataException>(() => twin.LoadWeights(path));
        twin.LoadWeights(path, allowNonFinite: true);
    }

    [Fact]
    public void The_key_is_reserved_when_DeepSharp_writes_the_checksum_itself()
    {
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(Path.GetTempFileName(), [("w", Tensor.Ones(1))],
            new Dictionary<string, string> { ["checksum"] = "x" }, checksum: true));
    }

    /// <summary>The digest as the format's documentation describes it, computed here from the parsed header.</summary>
    private static string Recompute(SafeTensorsBytes file)
    {
        var stream = new MemoryStream();
        void Number(ulong value) => stream.Write(BitConverter.GetBytes(value));
        void Text(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            Number((ulong)bytes.Length);
            stream.Write(bytes);
        }
        var metadata = file.Metadata.Where(m => m.Key != "checksum").OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
        Number((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            Text(key);
            Text((string)value!);
        }
        var tensors = file.Header.Where(t => t.Key != "__metadata__").OrderBy(t => (ulong)t.Value!["data_offsets"]![0]!).ToList();
        Number((ulong)tensors.Count);
        foreach (var (name, entry) in tensors)
        {
            Text(name);
            Text((string)entry!["dtype"]!);
            var shape = entry["shape"]!.AsArray();
            Number((ulong)shape.Count);
            foreach (var dim in shape) Number((ulong)dim!);
            Number((ulong)entry["data_offsets"]![0]!);
            Number((ulong)entry["data_offsets"]![1]!);
        }
        stream.Write(file.Data);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream.ToArray()));
    }
}
