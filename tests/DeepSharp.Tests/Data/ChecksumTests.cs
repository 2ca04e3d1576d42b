namespace DeepSharp.Tests.Data;

public class ChecksumTests
{
    [Fact]
    public void Checksums_parse_and_validate_their_digits()
    {
        var sha = Checksum.Parse("sha256:" + new string('A', 64));
        Assert.Equal("sha256", sha.Algorithm);
        Assert.Equal(new string('a', 64), sha.Hex);
        Assert.Equal(Checksum.Md5(new string('b', 32)), Checksum.Parse("md5:" + new string('b', 32)));
        var e = Assert.Throws<FormatException>(() => Checksum.Sha256("abc"));
        Assert.Contains("64 hexadecimal digits", e.Message);
        Assert.Throws<FormatException>(() => Checksum.Md5(new string('g', 32)));
        Assert.Throws<FormatException>(() => Checksum.Parse("crc32:1234"));
    }

    [Fact]
    public void Computes_sha256_and_md5_of_a_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("abc.txt");
        File.WriteAllText(path, "abc");
        // The standard test vectors for "abc".
        var sha = Checksum.Sha256("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        var md5 = Checksum.Md5("900150983cd24fb0d6963f7d28e17f72");
        Assert.True(sha.Matches(path));
        Assert.True(md5.Matches(path));
        Assert.False(Checksum.Md5(new string('0', 32)).Matches(path));
        Assert.Equal("md5:900150983cd24fb0d6963f7d28e17f72", md5.ToString());
    }
}
