using System.Buffers.Binary;
using System.IO.Compression;
using CsCheck;
using DeepSharp.Tests.TestSupport;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Data;

/// <summary>
/// Corrupted IDX files (plain and gzip): every read returns exactly what an independent decoder makes of the
/// bytes, or throws the documented InvalidDataException naming the file; never another exception, and never
/// more memory than four bytes per byte of data the file really holds (a float per element) plus buffers,
/// whatever its header declares.
/// </summary>
public class IdxFuzzTests(ITestOutputHelper output)
{
    private static int DrawnCases => FuzzCases.Count(4_000);

    /// <summary>Valid files to corrupt: each element type, ranks 1 to 3.</summary>
    private static readonly byte[][] Originals =
    [
        IdxBytes.Build(0x08, [3, 2, 2], [.. Enumerable.Range(0, 12).Select(i => (byte)(i * 21))]),
        IdxBytes.Build(0x09, [7], [0, 1, 127, 128, 255, 3, 4]),
        IdxBytes.Build(0x0B, [2, 3], [.. Enumerable.Range(0, 12).Select(i => (byte)(i * 13 + 1))]),
        IdxBytes.Build(0x0C, [2], [0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFE]),
        IdxBytes.Build(0x0D, [2, 1], [0x3F, 0x80, 0, 0, 0xC0, 0x49, 0x0F, 0xDB]),
        IdxBytes.Build(0x0E, [1, 1, 1], [0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18]),
        IdxBytes.Build(0x08, [40, 50], new byte[2000]),
    ];

    public sealed record Corruption(int File, int Kind, bool Gzip, int A, long B);

    private static readonly Gen<Corruption> Corruptions =
        Gen.Select(Gen.Int[0, Originals.Length - 1], Gen.Int[0, 5], Gen.Bool, Gen.Int[0, int.MaxValue], Gen.Long)
            .Select((file, kind, gzip, a, b) => new Corruption(file, kind, gzip, a, b));

    [Fact]
    public void Drawn_corruptions_read_what_the_bytes_say_or_are_refused_within_the_bound()
    {
        using var dir = TempDirectory.InMemory();
        string path = dir.File("case.idx");
        int refused = 0, read = 0;
        double worst = 0;
        FuzzCases.Run(Corruptions, DrawnCases, c =>
        {
            var bytes = Corrupt(c);
            File.WriteAllBytes(path, bytes);
            var expected = Decode(bytes);
            Tensor? tensor = null;
            Exception? error = null;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                tensor = Idx.Read(path);
            }
            catch (Exception e)
            {
                error = e;
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long bound = 4 * Math.Max(DataLength(bytes), 0) + (4 << 20);
            worst = Math.Max(worst, (double)allocated / bound);
            Assert.True(allocated <= bound, $"{c}: allocated {allocated} bytes, bound {bound}");
            if (error is not null)
            {
                Assert.True(error.GetType() == typeof(InvalidDataException), $"{c}: {error}");
                Assert.Contains(path, error.Message);
                Assert.True(expected is null, $"{c}: refused a file the decoder reads ({error.Message})");
                refused++;
                return;
            }
            Assert.True(expected is not null, $"{c}: read a file the decoder refuses, as {tensor!.Shape}");
            Assert.Equal(expected.Value.Shape, tensor!.Shape);
            Assert.Equal(expected.Value.Values, tensor.ToArray());
            read++;
        });
        output.WriteLine($"IDX corruptions: {refused + read} cases: {refused} refused (InvalidDataException), {read} read as the decoder reads them; 0 bad. " +
            $"Worst allocation: {worst:P0} of the bound.");
    }

    private static byte[] Corrupt(Corruption c)
    {
        var bytes = (byte[])Originals[c.File].Clone();
        var random = new Random(c.A);
        switch (c.Kind)
        {
            case 0: // truncated
                bytes = bytes[..(int)((ulong)c.B % (ulong)bytes.Length)];
                break;
            case 1: // bits flipped
                for (int i = 0, n = 1 + random.Next(3); i < n; i++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                break;
            case 2: // a dimension replaced, products beyond int and long included
            {
                uint[] sizes = [0, 1, 2, 3, 12, 16384, 65536, 262_144, 1 << 20, 805_000_000, int.MaxValue, 0x8000_0000, uint.MaxValue, (uint)c.B];
                int rank = bytes[3];
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * random.Next(rank)), sizes[random.Next(sizes.Length)]);
                break;
            }
            case 3: // the type or rank byte replaced
                bytes[2 + random.Next(2)] = (byte)c.B;
                break;
            case 4: // bytes appended
                bytes = [.. bytes, .. new byte[1 + random.Next(9)]];
                break;
            default: // the gzip stream itself damaged (the file is compressed whatever c.Gzip says)
            {
                var gz = IdxBytes.Gzip(bytes);
                if (random.Next(2) == 0) gz = gz[..random.Next(gz.Length)];
                else gz[random.Next(gz.Length)] ^= (byte)(1 << random.Next(8));
                return gz;
            }
        }
        return c.Gzip ? IdxBytes.Gzip(bytes) : bytes;
    }

    /// <summary>The decompressed length (or the file's), or -1 when the gzip stream is damaged.</summary>
    private static long DataLength(byte[] bytes) => Decompress(bytes)?.Length ?? bytes.Length;

    private static byte[]? Decompress(byte[] bytes)
    {
        if (bytes.Length < 2 || bytes[0] != 0x1F || bytes[1] != 0x8B) return bytes;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>The tensor the bytes describe, decoded independently of the reader, or null when they describe none.</summary>
    private static (TensorShape Shape, float[] Values)? Decode(byte[] file)
    {
        var bytes = Decompress(file);
        if (bytes is null || bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0) return null;
        int size = bytes[2] switch { 0x08 or 0x09 => 1, 0x0B => 2, 0x0C or 0x0D => 4, 0x0E => 8, _ => 0 };
        int rank = bytes[3];
        if (size == 0 || rank is 0 or > TensorShape.MaxRank || bytes.Length < 4 + 4 * rank) return null;
        var dims = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            uint dim = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (dim > int.MaxValue) return null;
            dims[d] = (int)dim;
        }
        foreach (int dim in dims) count = dim == 0 || count == 0 ? 0 : count > long.MaxValue / 16 / dim ? long.MaxValue / 16 : count * dim;
        if (dims.Contains(0)) count = 0;
        var data = bytes.AsSpan(4 + 4 * rank);
        if (count > Tensor.MaxSize || data.Length != count * size) return null;
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            var e = data.Slice(i * size, size);
            values[i] = bytes[2] switch
            {
                0x08 => e[0],
                0x09 => (sbyte)e[0],
                0x0B => BinaryPrimitives.ReadInt16BigEndian(e),
                0x0C => BinaryPrimitives.ReadInt32BigEndian(e),
                0x0D => BinaryPrimitives.ReadSingleBigEndian(e),
                _ => (float)BinaryPrimitives.ReadDoubleBigEndian(e),
            };
        }
        return (new TensorShape(dims), values);
    }
}
