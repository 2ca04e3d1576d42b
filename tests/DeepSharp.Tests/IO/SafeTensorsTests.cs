using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.IO;

public class SafeTensorsTests
{
    /// <summary>A safetensors file from a header text and data bytes, built by hand.</summary>
    private static byte[] Build(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    private static InvalidDataException LoadFails(TempDirectory dir, byte[] file)
    {
        string path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, file);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void Round_trips_tensors_in_order_with_metadata()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        var kernel = Tensor.RandomNormal([4, 3], generator: new RandomGenerator(1));
        var bias = Tensor.FromArray([0.5f, -1f, 2f]);
        var scalar = Tensor.Scalar(3.25f);
        var empty = Tensor.Zeros(0, 5);

        SafeTensors.Save(path, [("z.kernel", kernel), ("a.bias", bias), ("step", scalar), ("empty", empty)],
            new Dictionary<string, string> { ["format"] = "deepsharp", ["note"] = "ünïcode ✓" });
        using var file = SafeTensors.Load(path);

        Assert.Equal(["z.kernel", "a.bias", "step", "empty"], file.Tensors.Keys);
        Assert.Equal(kernel.ToArray(), file["z.kernel"].ToArray());
        Assert.Equal(new TensorShape(4, 3), file["z.kernel"].Shape);
        Assert.Equal(bias.ToArray(), file["a.bias"].ToArray());
        Assert.Equal(new TensorShape(), file["step"].Shape);
        Assert.Equal(3.25f, file["step"].Item());
        Assert.Equal(new TensorShape(0, 5), file["empty"].Shape);
        Assert.Equal("a.bias", file["a.bias"].Name);
        Assert.Equal("deepsharp", file.Metadata["format"]);
        Assert.Equal("ünïcode ✓", file.Metadata["note"]);
    }

    [Fact]
    public void The_layout_follows_the_format_exactly()
    {
        using var dir = new TempDirectory();
        string path = dir.File("layout.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3), ["b"] = Tensor.FromArray([7f]) },
            new Dictionary<string, string> { ["k"] = "v" });

        var bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.Equal("{\"__metadata__\":{\"k\":\"v\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]}}", header.TrimEnd(' '));
        Assert.Equal((int)n, header.Length);
        Assert.Equal(8 + (int)n + 28, bytes.Length);
        Assert.Equal(Floats(1, 2, 3, 4, 5, 6, 7), bytes[(8 + (int)n)..]);
    }

    [Fact]
    public void A_non_contiguous_view_is_written_in_logical_order()
    {
        using var dir = new TempDirectory();
        string path = dir.File("view.safetensors");
        var source = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var transposed = Tensor.View(source, new TensorShape(3, 2), [1, 3], 0);

        SafeTensors.Save(path, [("t", transposed)]);

        using var file = SafeTensors.Load(path);
        Assert.Equal(new TensorShape(3, 2), file["t"].Shape);
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], file["t"].ToArray());
    }

    [Fact]
    public void Reads_a_file_written_from_pytorch_with_four_dtypes()
    {
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "IO");
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixtures, "torch-mixed.expected.json")));

        using var file = SafeTensors.Load(Path.Combine(fixtures, "torch-mixed.safetensors"));

        var order = expected.RootElement.GetProperty("order").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(order, file.Tensors.Keys);
        Assert.Equal("pt", file.Metadata["format"]);
        foreach (var entry in expected.RootElement.GetProperty("tensors").EnumerateObject())
        {
            var tensor = file[entry.Name];
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var values = entry.Value.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            Assert.Equal(new TensorShape(shape), tensor.Shape);
            Assert.Equal(values, tensor.ToArray()); // exact: float16, bfloat16 widen exactly; float64 rounds as PyTorch does
        }
    }

    [Fact]
    public void Converts_f16_bf16_and_f64_to_float32()
    {
        using var dir = new TempDirectory();
        var data = new byte[2 * 2 + 2 * 2 + 8 * 2];
        BinaryPrimitives.WriteHalfLittleEndian(data, (Half)1.5f);
        BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(2), (Half)(-0.25f));
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(4), 0x3FC0);  // bfloat16 1.5
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(6), 0xC2F7);  // bfloat16 -123.5
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8), 0.1);
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(16), -1e10);
        string path = dir.File("mixed.safetensors");
        File.WriteAllBytes(path, Build(
            "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[8,24]}}", data));

        using var file = SafeTensors.Load(path);

        Assert.Equal([1.5f, -0.25f], file["h"].ToArray());
        Assert.Equal([1.5f, -123.5f], file["b"].ToArray());
        Assert.Equal([0.1f, -1e10f], file["d"].ToArray());
    }

    [Fact]
    public void Tensors_come_back_in_data_order_whatever_the_header_order()
    {
        using var dir = new TempDirectory();
        string path = dir.File("order.safetensors");
        File.WriteAllBytes(path, Build(
            "{\"second\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},\"first\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", Floats(1, 2)));
        using var file = SafeTensors.Load(path);
        Assert.Equal(["first", "second"], file.Tensors.Keys);
        Assert.Equal(2f, file["second"].Item());
        var e = Assert.Throws<KeyNotFoundException>(() => file["third"]);
        Assert.Contains("first, second", e.Message);
    }

    [Fact]
    public void Loaded_tensors_outlive_the_callers_scope()
    {
        using var dir = new TempDirectory();
        string path = dir.File("w.safetensors");
        SafeTensors.Save(path, [("w", Tensor.FromArray([1f, 2f]))]);
        SafeTensorsFile file;
        using (TensorScope.Begin()) file = SafeTensors.Load(path);
        Assert.Equal([1f, 2f], file["w"].ToArray());
    }

    [Fact]
    public void A_failed_save_leaves_the_existing_file_intact()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensors.Save(path, [("w", Tensor.FromArray([1f, 2f]))]);
        var before = File.ReadAllBytes(path);
        var disposed = Tensor.FromArray([3f]);
        disposed.Dispose();

        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [("w", Tensor.FromArray([5f])), ("w", Tensor.FromArray([6f]))]));
        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [("ok", Tensor.FromArray([5f])), ("gone", disposed)]));
        Assert.Contains("'gone' is disposed", e.Message);
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [("__metadata__", Tensor.FromArray([5f]))]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_file_shorter_than_the_length_field_is_truncated()
    {
        using var dir = new TempDirectory();
        var e = LoadFails(dir, [1, 2, 3]);
        Assert.Contains("truncated: the file has 3 bytes", e.Message);
    }

    [Fact]
    public void An_absurd_or_overlong_header_length_is_refused()
    {
        using var dir = new TempDirectory();
        var absurd = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(absurd, 0x7FFF_FFFF_FFFF_FFFF);
        Assert.Contains("more than the 100000000", LoadFails(dir, absurd).Message);

        var overlong = Build("{}", []);
        BinaryPrimitives.WriteUInt64LittleEndian(overlong, 1234);
        var e = LoadFails(dir, overlong);
        Assert.Contains("truncated: the header length field says 1234 bytes", e.Message);
        Assert.Contains("only 2 bytes follow", e.Message);
    }

    [Fact]
    public void Invalid_headers_are_explained()
    {
        using var dir = new TempDirectory();
        Assert.Contains("not valid JSON", LoadFails(dir, Build("{\"a\": [1,", [])).Message);
        Assert.Contains("not valid UTF-8", LoadFails(dir, [2, 0, 0, 0, 0, 0, 0, 0, 0xC3, 0x28]).Message);
        Assert.Contains("is a JSON array", LoadFails(dir, Build("[]", [])).Message);
        Assert.Contains("lists 'a' twice", LoadFails(dir, Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]}}", Floats(1, 2))).Message);
        Assert.Contains("__metadata__['n'] is a JSON number", LoadFails(dir, Build("{\"__metadata__\":{\"n\":1}}", [])).Message);
        Assert.Contains("tensor 'a': missing \"dtype\"", LoadFails(dir, Build("{\"a\":{\"shape\":[],\"data_offsets\":[0,4]}}", Floats(1))).Message);
        Assert.Contains("unknown dtype 'F33'", LoadFails(dir, Build("{\"a\":{\"dtype\":\"F33\",\"shape\":[],\"data_offsets\":[0,4]}}", Floats(1))).Message);
        Assert.Contains("must hold non-negative integers", LoadFails(dir, Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", Floats(1))).Message);
        Assert.Contains("\"data_offsets\" must be [begin, end]", LoadFails(dir, Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", Floats(1))).Message);
        Assert.Contains("is a JSON string, expected an object", LoadFails(dir, Build("{\"a\":\"F32\"}", [])).Message);
    }

    [Fact]
    public void Offsets_must_match_the_shape_and_tile_the_data()
    {
        using var dir = new TempDirectory();
        var e = LoadFails(dir, Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", new byte[20]));
        Assert.Contains("shape (2, 3) of F32 needs 24 bytes, but data_offsets [0, 20] span 20", e.Message);

        e = LoadFails(dir, Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]));
        Assert.Contains("tensor 'b' (data_offsets [4, 12]) overlaps tensor 'a' ([0, 8])", e.Message);

        e = LoadFails(dir, Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12]));
        Assert.Contains("bytes 4 to 8 of the data belong to no tensor", e.Message);

        e = LoadFails(dir, Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]));
        Assert.Contains("bytes 0 to 4", e.Message);
    }

    [Fact]
    public void Truncated_data_and_trailing_bytes_are_reported_with_both_sizes()
    {
        using var dir = new TempDirectory();
        var e = LoadFails(dir, Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,617],\"data_offsets\":[0,4936]}}", new byte[1000]));
        Assert.Contains("truncated: the header says 4936 bytes of data, the file has 1000", e.Message);

        e = LoadFails(dir, Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[7]));
        Assert.Contains("3 trailing bytes after the last tensor", e.Message);
    }

    [Fact]
    public void Unsupported_dtypes_and_values_beyond_float32_are_refused()
    {
        using var dir = new TempDirectory();
        var e = LoadFails(dir, Build("{\"steps\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]));
        Assert.Contains("tensor 'steps' has dtype I64", e.Message);
        Assert.Contains("F32, F16, BF16 and F64", e.Message);

        var big = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(big, 1e300);
        e = LoadFails(dir, Build("{\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", big));
        Assert.Contains("element 0 is 1E+300, outside the float32 range", e.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(dir.File("nope.safetensors")));
        Assert.Contains("nope.safetensors", e.Message);
    }
}

public class SafeTensorsStreamTests
{
    [Fact]
    public void Tensors_written_to_a_stream_read_back_from_it_as_from_a_file()
    {
        using var dir = new TempDirectory();
        var a = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var b = Tensor.FromArray([5f]);
        var metadata = new Dictionary<string, string> { ["k"] = "v" };
        using var memory = new MemoryStream();
        SafeTensors.Save(memory, [("a", a), ("b", b)], metadata);
        SafeTensors.Save(dir.File("f.safetensors"), [("a", a), ("b", b)], metadata);

        using var read = SafeTensors.Load(new MemoryStream(memory.ToArray()), "in memory");

        Assert.Equal(File.ReadAllBytes(dir.File("f.safetensors")), memory.ToArray());
        Assert.Equal([1f, 2f, 3f, 4f], read["a"].ToArray());
        Assert.Equal("v", read.Metadata["k"]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(memory.ToArray()[..20]), "cut"));
        Assert.StartsWith("SafeTensors 'cut':", e.Message);
    }
}
