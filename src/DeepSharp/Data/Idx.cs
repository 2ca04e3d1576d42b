using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace DeepSharp;

/// <summary>
/// Reads IDX files, the format MNIST and Fashion-MNIST are published in: a big-endian header (two zero
/// bytes, an element type, the number of dimensions, then each dimension as a 32-bit integer) followed by
/// the elements, also big-endian. Files may be gzip-compressed; compression is recognised by its magic
/// bytes, whatever the file is called.
/// </summary>
public static class Idx
{
    private const int ChunkBytes = 1 << 20; // a multiple of every element size

    // The element types the format defines, by their type byte.
    private enum ElementType : byte
    {
        UInt8 = 0x08,
        Int8 = 0x09,
        Int16 = 0x0B,
        Int32 = 0x0C,
        Float32 = 0x0D,
        Float64 = 0x0E,
    }

    /// <summary>
    /// Reads an IDX file (plain or gzip-compressed) into a float32 tensor shaped as the file's dimensions.
    /// Every IDX element type is accepted and converted: unsigned and signed bytes, 16- and 32-bit integers,
    /// 32- and 64-bit floats. Values are not rescaled (MNIST pixels come back as 0 to 255).
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <returns>A new tensor; like <see cref="Tensor.FromArray(float[], ReadOnlySpan{int})"/> it belongs to the current <see cref="TensorScope"/>, if any.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not IDX (wrong magic number, unknown element type), is truncated, has bytes after the data
    /// its header declares, or is corrupt gzip. The message names the file, what was expected and what was found.
    /// </exception>
    public static Tensor Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        bool gzip = StartsWithGzipMagic(file);
        var header = ReadHeader(Open(file, gzip), path, gzip, out long headerBytes);
        // The tensor is allocated only once the data it needs is known to be there: for a plain file the length
        // tells; a gzip stream is first decompressed without keeping anything, to count it (a second pass, but
        // what a load allocates then follows the data the file holds, never the number in its header).
        long available = gzip ? CountData(file, headerBytes, header.DataBytes, path) : file.Length - headerBytes;
        header.CheckLength(available, path, gzip);
        using var stream = Open(file, gzip);
        Skip(stream, headerBytes, path);
        return ReadData(stream, header, path, gzip);
    }

    /// <summary>What an IDX header declares.</summary>
    private readonly record struct Header(ElementType Type, int ElementSize, TensorShape Shape, long DataBytes)
    {
        /// <summary>Refuses <paramref name="available"/> data bytes that are not the <see cref="DataBytes"/> declared.</summary>
        internal void CheckLength(long available, string path, bool gzip)
        {
            string what = gzip ? "decompressed data" : "file";
            if (available < DataBytes)
                throw Invalid(path, $"truncated: the header declares shape {Shape} of {Describe(Type)} = {DataBytes} bytes of data, but the {what} has only {available}.");
            if (available > DataBytes)
                throw Invalid(path, $"the header declares shape {Shape} of {Describe(Type)} = {DataBytes} bytes of data, but the {what} has {(available == long.MaxValue ? "many" : available - DataBytes)} more bytes after them: the dimensions do not match the data.");
        }
    }

    private static bool StartsWithGzipMagic(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    /// <summary>The file from its start, decompressed when it is gzip (the stream leaves the file open).</summary>
    private static Stream Open(FileStream file, bool gzip)
    {
        file.Position = 0;
        return gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
    }

    private static Header ReadHeader(Stream stream, string path, bool gzip, out long headerBytes)
    {
        string what = gzip ? "decompressed data" : "file";
        try
        {
            Span<byte> magic = stackalloc byte[4];
            int got = Fill(stream, magic, path);
            if (got < 4)
                throw Invalid(path, $"truncated: the {what} has {got} bytes, but an IDX file starts with a 4-byte magic number.");
            if (magic[0] != 0 || magic[1] != 0)
                throw Invalid(path, $"not an IDX file: expected a magic number 00 00 <type> <rank>, found {Convert.ToHexString(magic)}{DescribeForeignStart(magic)}.");
            var type = (ElementType)magic[2];
            int elementSize = ElementSize(type);
            if (elementSize == 0)
                throw Invalid(path, $"unknown element type 0x{magic[2]:X2} in the magic number (IDX types are 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64).");
            int rank = magic[3];
            if (rank == 0 || rank > TensorShape.MaxRank)
                throw Invalid(path, $"the header declares {rank} dimensions; expected 1 to {TensorShape.MaxRank}.");

            Span<byte> dimBytes = stackalloc byte[4 * TensorShape.MaxRank];
            dimBytes = dimBytes[..(4 * rank)];
            got = Fill(stream, dimBytes, path);
            if (got < dimBytes.Length)
                throw Invalid(path, $"truncated: the header declares {rank} dimensions ({4 * rank} bytes) but the {what} ends after {got} of them.");
            Span<int> dims = stackalloc int[rank];
            for (int d = 0; d < rank; d++)
            {
                uint dim = BinaryPrimitives.ReadUInt32BigEndian(dimBytes[(4 * d)..]);
                if (dim > int.MaxValue)
                    throw Invalid(path, $"dimension {d} is {dim}, larger than a tensor dimension can be ({int.MaxValue}).");
                dims[d] = (int)dim;
            }
            var shape = new TensorShape(dims);
            long elements = shape.LongSize;
            if (elements > Tensor.MaxSize)
                throw Invalid(path, $"the header declares shape {shape}, {TensorShape.FormatCount(elements)} elements, more than a tensor holds ({Tensor.MaxSize}).");
            headerBytes = 4 + 4L * rank;
            return new Header(type, elementSize, shape, elements * elementSize);
        }
        finally
        {
            if (gzip) stream.Dispose();
        }
    }

    /// <summary>
    /// Counts the decompressed bytes after the header, keeping none (a 1 MB buffer): at most a little more than
    /// <paramref name="declared"/>, so a stream that inflates without end is not followed to its end
    /// (<see cref="long.MaxValue"/> then).
    /// </summary>
    private static long CountData(FileStream file, long headerBytes, long declared, string path)
    {
        using var stream = Open(file, gzip: true);
        Skip(stream, headerBytes, path);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long count = 0;
            int read;
            while ((read = Fill(stream, buffer, path)) > 0)
            {
                count += read;
                if (count > declared + ChunkBytes) return long.MaxValue;
            }
            return count;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Skip(Stream stream, long bytes, string path)
    {
        Span<byte> skipped = stackalloc byte[4 + 4 * TensorShape.MaxRank];
        Fill(stream, skipped[..(int)bytes], path);
    }

    private static Tensor ReadData(Stream stream, Header header, string path, bool gzip)
    {
        var (type, elementSize, shape, dataBytes) = header;
        var tensor = Tensor.Uninitialized(shape);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            var destination = tensor.Span;
            long done = 0;
            while (done < dataBytes)
            {
                int want = (int)Math.Min(ChunkBytes, dataBytes - done);
                int read = Fill(stream, buffer.AsSpan(0, want), path);
                if (read < want) header.CheckLength(done + read, path, gzip);
                int start = (int)(done / elementSize);
                ConvertToFloat(type, buffer.AsSpan(0, want), destination.Slice(start, want / elementSize));
                done += want;
            }
            long extra = CountRemaining(stream, buffer, path);
            if (extra > 0) header.CheckLength(extra == long.MaxValue ? long.MaxValue : dataBytes + extra, path, gzip);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Converts big-endian elements of <paramref name="type"/> to floats.</summary>
    private static void ConvertToFloat(ElementType type, Span<byte> source, Span<float> destination)
    {
        switch (type)
        {
            case ElementType.UInt8:
                TensorPrimitives.ConvertTruncating<byte, float>(source, destination);
                break;
            case ElementType.Int8:
                TensorPrimitives.ConvertTruncating<sbyte, float>(MemoryMarshal.Cast<byte, sbyte>(source), destination);
                break;
            case ElementType.Int16:
                var shorts = MemoryMarshal.Cast<byte, short>(source);
                if (BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(shorts, shorts);
                TensorPrimitives.ConvertTruncating<short, float>(shorts, destination);
                break;
            case ElementType.Int32:
                var ints = MemoryMarshal.Cast<byte, int>(source);
                if (BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(ints, ints);
                for (int i = 0; i < ints.Length; i++) destination[i] = ints[i];
                break;
            case ElementType.Float32:
                var bits = MemoryMarshal.Cast<byte, int>(source);
                if (BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(bits, bits);
                MemoryMarshal.Cast<int, float>(bits).CopyTo(destination);
                break;
            case ElementType.Float64:
                var longs = MemoryMarshal.Cast<byte, long>(source);
                if (BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(longs, longs);
                var doubles = MemoryMarshal.Cast<long, double>(longs);
                for (int i = 0; i < doubles.Length; i++) destination[i] = (float)doubles[i];
                break;
        }
    }

    /// <summary>Reads until <paramref name="destination"/> is full or the data ends; returns the bytes read.</summary>
    private static int Fill(Stream stream, Span<byte> destination, string path)
    {
        try
        {
            return stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // GZipStream reports a damaged stream without saying which file it was.
            throw new InvalidDataException($"IDX file '{path}': the gzip data is corrupt ({e.Message}).", e);
        }
    }

    /// <summary>Counts what follows the data, up to a chunk (<see cref="long.MaxValue"/> beyond: a stream is not inflated without end).</summary>
    private static long CountRemaining(Stream stream, byte[] buffer, string path)
    {
        long extra = 0;
        int read;
        while ((read = Fill(stream, buffer, path)) > 0)
        {
            extra += read;
            if (extra > ChunkBytes) return long.MaxValue;
        }
        return extra;
    }

    private static int ElementSize(ElementType type) => type switch
    {
        ElementType.UInt8 or ElementType.Int8 => 1,
        ElementType.Int16 => 2,
        ElementType.Int32 or ElementType.Float32 => 4,
        ElementType.Float64 => 8,
        _ => 0,
    };

    private static string Describe(ElementType type) => type switch
    {
        ElementType.UInt8 => "unsigned bytes",
        ElementType.Int8 => "signed bytes",
        ElementType.Int16 => "int16",
        ElementType.Int32 => "int32",
        ElementType.Float32 => "float32",
        _ => "float64",
    };

    // A download that went wrong often leaves an HTML error page or an archive of another kind.
    private static string DescribeForeignStart(ReadOnlySpan<byte> start)
    {
        if (start[0] == (byte)'<') return " (text starting with '<': an HTML or XML page, perhaps an error page saved by a failed download)";
        if (start[0] == (byte)'P' && start[1] == (byte)'K') return " (a zip archive)";
        return "";
    }

    private static InvalidDataException Invalid(string path, string problem) =>
        new($"IDX file '{path}': {problem}");
}
