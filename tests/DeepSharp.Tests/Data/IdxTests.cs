using System.Buffers.Binary;

namespace DeepSharp.Tests.Data;

public class IdxTests
{
    private static readonly byte[] SixPixels = [0, 1, 2, 127, 128, 255];

    [Fact]
    public void Reads_unsigned_bytes_with_their_shape()
    {
        using var dir = new TempDirectory();
        string path = dir.File("images-idx3-ubyte");
        File.WriteAllBytes(path, IdxBytes.UnsignedBytes([2, 1, 3], SixPixels));

        var t = Idx.Read(path);

        Assert.Equal(new TensorShape(2, 1, 3), t.Shape);
        Assert.Equal([0f, 1f, 2f, 127f, 128f, 255f], t.ToArray());
    }

    [Fact]
    public void Detects_gzip_by_its_magic_bytes_not_by_the_name()
    {
        using var dir = new TempDirectory();
        string compressedWithoutGz = dir.File("labels-idx1-ubyte");
        string plainNamedGz = dir.File("labels-idx1-ubyte.gz");
        File.WriteAllBytes(compressedWithoutGz, IdxBytes.Gzip(IdxBytes.UnsignedBytes([6], SixPixels)));
        File.WriteAllBytes(plainNamedGz, IdxBytes.UnsignedBytes([6], SixPixels));

        Assert.Equal([0f, 1f, 2f, 127f, 128f, 255f], Idx.Read(compressedWithoutGz).ToArray());
        Assert.Equal([0f, 1f, 2f, 127f, 128f, 255f], Idx.Read(plainNamedGz).ToArray());
    }

    [Fact]
    public void Reads_every_idx_element_type_big_endian()
    {
        using var dir = new TempDirectory();

        byte[] int8 = [0x80, 0xFF, 0x00, 0x7F];
        Assert.Equal([-128f, -1f, 0f, 127f], ReadType(dir, 0x09, [4], int8));

        var int16 = new byte[6];
        BinaryPrimitives.WriteInt16BigEndian(int16, -300);
        BinaryPrimitives.WriteInt16BigEndian(int16.AsSpan(2), 2);
        BinaryPrimitives.WriteInt16BigEndian(int16.AsSpan(4), short.MaxValue);
        Assert.Equal([-300f, 2f, 32767f], ReadType(dir, 0x0B, [3], int16));

        var int32 = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(int32, -70000);
        BinaryPrimitives.WriteInt32BigEndian(int32.AsSpan(4), 1 << 20);
        Assert.Equal([-70000f, 1048576f], ReadType(dir, 0x0C, [2], int32));

        var float32 = new byte[8];
        BinaryPrimitives.WriteSingleBigEndian(float32, 1.5f);
        BinaryPrimitives.WriteSingleBigEndian(float32.AsSpan(4), -0.1f);
        Assert.Equal([1.5f, -0.1f], ReadType(dir, 0x0D, [1, 2], float32));

        var float64 = new byte[16];
        BinaryPrimitives.WriteDoubleBigEndian(float64, 0.1);
        BinaryPrimitives.WriteDoubleBigEndian(float64.AsSpan(8), -2.25);
        Assert.Equal([0.1f, -2.25f], ReadType(dir, 0x0E, [2, 1], float64));
    }

    private static float[] ReadType(TempDirectory dir, byte type, int[] dims, byte[] data)
    {
        string path = dir.File($"typed-{type:X2}");
        File.WriteAllBytes(path, IdxBytes.Build(type, dims, data));
        var t = Idx.Read(path);
        Assert.Equal(new TensorShape(dims), t.Shape);
        return t.ToArray();
    }

    [Fact]
    public void Data_shorter_than_the_dimensions_is_reported_as_truncated()
    {
        using var dir = new TempDirectory();
        string path = dir.File("short.gz");
        File.WriteAllBytes(path, IdxBytes.Gzip(IdxBytes.UnsignedBytes([10, 28, 28], new byte[7000])));

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("(10, 28, 28)", e.Message);
        Assert.Contains("7840 bytes", e.Message);
        Assert.Contains("only 7000", e.Message);
    }

    [Fact]
    public void Data_longer_than_the_dimensions_is_reported_with_the_extra_bytes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("long");
        File.WriteAllBytes(path, IdxBytes.UnsignedBytes([4], SixPixels));

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("(4,)", e.Message);
        Assert.Contains("2 more bytes", e.Message);
    }

    [Fact]
    public void A_wrong_magic_number_is_reported_with_the_bytes_found()
    {
        using var dir = new TempDirectory();
        string path = dir.File("page.gz");
        File.WriteAllText(path, "<html><body>404 Not Found</body></html>");

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("not an IDX file", e.Message);
        Assert.Contains("3C68746D", e.Message); // "<htm"
        Assert.Contains("HTML", e.Message);
    }

    [Fact]
    public void An_unknown_element_type_and_a_bad_rank_are_refused()
    {
        using var dir = new TempDirectory();
        string badType = dir.File("type");
        File.WriteAllBytes(badType, IdxBytes.Build(0x0A, [2], [1, 2]));
        string rankZero = dir.File("rank0");
        File.WriteAllBytes(rankZero, [0, 0, 0x08, 0]);

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(badType));
        Assert.Contains("unknown element type 0x0A", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Idx.Read(rankZero));
        Assert.Contains("0 dimensions", e.Message);
    }

    [Fact]
    public void A_truncated_header_is_reported()
    {
        using var dir = new TempDirectory();
        string tiny = dir.File("tiny");
        File.WriteAllBytes(tiny, [0, 0]);
        string cutDims = dir.File("dims");
        File.WriteAllBytes(cutDims, [0, 0, 0x08, 3, 0, 0, 0, 10, 0, 0]);

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(tiny));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("has 2 bytes", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Idx.Read(cutDims));
        Assert.Contains("3 dimensions (12 bytes)", e.Message);
        Assert.Contains("after 6", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_names_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("corrupt.gz");
        var gz = IdxBytes.Gzip(IdxBytes.UnsignedBytes([100], new byte[100]));
        for (int i = 10; i < gz.Length - 8; i++) gz[i] = 0xFF; // wreck the deflate body, keep the gzip magic
        File.WriteAllBytes(path, gz);

        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("gzip data is corrupt", e.Message);
    }

    [Fact]
    public void A_missing_file_names_the_path()
    {
        using var dir = new TempDirectory();
        string path = dir.File("absent.gz");
        var e = Assert.Throws<FileNotFoundException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Reads_the_real_fashion_mnist_test_labels()
    {
        var labels = Idx.Read(Path.Combine(SharedData.Directory, "fashion-mnist", "t10k-labels-idx1-ubyte.gz"));
        Assert.Equal(new TensorShape(10000), labels.Shape);
        // First labels and per-class counts as numpy reads them from the same file.
        Assert.Equal([9f, 2f, 1f, 1f, 6f], labels.ToArray()[..5]);
        var counts = new int[10];
        foreach (float label in labels.ToArray()) counts[(int)label]++;
        Assert.All(counts, c => Assert.Equal(1000, c));
    }

    /// <summary>Reads a file that must be refused, and returns what the read allocated.</summary>
    private static long AllocatedByRefusedRead(string path, out InvalidDataException error)
    {
        Assert.Throws<InvalidDataException>(() => Idx.Read(path)); // warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        error = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void A_tiny_file_declaring_billions_of_elements_is_refused_without_allocating_them()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bomb");
        File.WriteAllBytes(path, IdxBytes.UnsignedBytes([int.MaxValue], [7])); // 9 bytes
        long allocated = AllocatedByRefusedRead(path, out var e);
        Assert.Contains("more than a tensor holds", e.Message);
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");

        File.WriteAllBytes(path, IdxBytes.UnsignedBytes([805_000_000], [7]));
        allocated = AllocatedByRefusedRead(path, out e);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("805000000 bytes of data, but the file has only 1", e.Message);
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_gzip_file_declaring_more_than_it_holds_is_refused_after_counting_not_allocating()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bomb.gz");
        File.WriteAllBytes(path, IdxBytes.Gzip(IdxBytes.UnsignedBytes([805_000_000], new byte[3 << 20])));
        long allocated = AllocatedByRefusedRead(path, out var e);
        Assert.Contains("805000000 bytes of data, but the decompressed data has only 3145728", e.Message);
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes"); // a float tensor of 805 M would be 3.2 GB

        File.WriteAllBytes(path, IdxBytes.Gzip(IdxBytes.UnsignedBytes([2 << 20], new byte[(2 << 20) + 10])));
        Assert.Contains("10 more bytes after them", AllocatedByRefusedRead(path, out e) >= 0 ? e.Message : "");
    }

    [Fact]
    public void A_small_gzip_file_declaring_a_megabyte_allocates_what_it_holds_not_what_it_declares()
    {
        using var dir = new TempDirectory();
        string path = dir.File("small-bomb.gz");
        File.WriteAllBytes(path, IdxBytes.Gzip(IdxBytes.UnsignedBytes([1 << 20], [7]))); // 9 bytes inside, a megabyte declared
        long allocated = AllocatedByRefusedRead(path, out var e);
        Assert.Contains("1048576 bytes of data, but the decompressed data has only 1", e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes"); // the declared tensor would be 4 MB of floats
    }

    [Fact]
    public void A_large_gzip_file_that_holds_its_data_reads_in_full()
    {
        using var dir = new TempDirectory();
        string path = dir.File("large.gz");
        var data = Enumerable.Range(0, 3 << 20).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(path, IdxBytes.Gzip(IdxBytes.UnsignedBytes([3, 1 << 20], data)));
        var t = Idx.Read(path);
        Assert.Equal(new TensorShape(3, 1 << 20), t.Shape);
        Assert.Equal(data.Select(b => (float)b), t.ToArray());
    }
}
