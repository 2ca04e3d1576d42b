using System.Text;
using System.Text.Json.Nodes;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Models;

/// <summary>
/// What a load may allocate is bounded by what the file holds and what the model needs, never by a number in
/// it: a configuration that asks for huge layers, or a header that lists a million tensors, is refused after
/// allocating about the file's size.
/// </summary>
public class ModelFileBoundsTests
{
    /// <summary>Runs <paramref name="load"/>, which must fail with an InvalidDataException, and returns the bytes it allocated.</summary>
    private static long AllocatedByFailedLoad(Action load, out InvalidDataException error)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        error = Assert.Throws<InvalidDataException>(load);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void A_huge_units_count_is_refused_before_its_weights_are_allocated()
    {
        using var dir = new TempDirectory();
        string path = dir.File("units.dsm");
        var file = SafeTensorsBytes.Parse(SavedModels.MlpBytes).WithoutChecksum();
        file.EditJson("model", model =>
        {
            model!["config"]!["layers"]![1]!["config"]!["units"] = 2_000_000;
            return model;
        }).Write(path);
        AllocatedByFailedLoad(() => Model.Load(path), out _); // warm-up: the first load compiles the reader
        long allocated = AllocatedByFailedLoad(() => Model.Load(path), out var e);
        Assert.Contains("weight 'hidden/kernel' has shape (16, 8) in the file but the configuration makes it (16, 2000000)", e.Message);
        // 16 × 2,000,000 floats would be 128 MB; the file is a few kilobytes.
        Assert.True(allocated < 64 * new FileInfo(path).Length + (4 << 20), $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_header_of_many_empty_tensors_costs_a_few_times_its_size_and_is_refused()
    {
        using var dir = new TempDirectory();
        string path = dir.File("many.dsm");
        var file = SafeTensorsBytes.Parse(SavedModels.MlpBytes).WithoutChecksum();
        const int count = 150_000;
        var header = new StringBuilder(file.Header.ToJsonString()[..^1]);
        for (int i = 0; i < count; i++) header.Append($",\"t{i}\":{{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}");
        header.Append('}');
        File.WriteAllBytes(path, SafeTensorsBytes.Parse(Frame(header.ToString(), file.Data)).ToBytes());
        long length = new FileInfo(path).Length;

        long allocated = AllocatedByFailedLoad(() => Model.Load(path), out var e);
        Assert.Contains($"holds {count} tensors the model does not have", e.Message);
        Assert.True(allocated < 6 * length + (8 << 20), $"allocated {allocated} bytes for a {length}-byte file");
    }

    [Fact]
    public void LoadWeights_checks_every_shape_before_reading_and_changes_nothing_on_failure()
    {
        using var dir = new TempDirectory();
        string path = dir.File("weights.safetensors");
        var model = SavedModels.MakeMlp();
        model.SaveWeights(path);
        var before = model.Weights.Select(w => w.ToArray()).ToList();
        var file = SafeTensorsBytes.Read(path).WithoutChecksum();
        // The last tensor claims a NaN: every other weight would load, but none may change.
        int last = file.Data.Length - 4;
        BitConverter.GetBytes(float.NaN).CopyTo(file.Data, last);
        file.Write(path);
        var e = Assert.Throws<InvalidDataException>(() => model.LoadWeights(path));
        Assert.Contains("non-finite", e.Message);
        Assert.Equal(before, model.Weights.Select(w => w.ToArray()).ToList());
    }

    private static byte[] Frame(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BitConverter.GetBytes((ulong)json.Length).CopyTo(bytes, 0);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }
}
