using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Tensors;

public class RandomGeneratorTests
{
    /// <summary>
    /// A long normal fill, its pairs transformed in chunks on all threads (BoxMuller.InChunks), gives the values of NextNormal
    /// called once per element, and leaves the generator where those calls leave it (spare deviate included): a GAN's noise
    /// batch, an odd length, a fill that starts with the spare deviate, and one too short to share out, at 1 to 3 threads.
    /// </summary>
    [Theory]
    [InlineData(6400, false)]
    [InlineData(4097, false)]
    [InlineData(2049, true)]
    [InlineData(5000, true)]
    [InlineData(11, true)]
    public void A_normal_fill_shared_between_threads_gives_the_values_of_one_draw_at_a_time(int length, bool spareFirst)
    {
        const float mean = 0.25f, std = 1.5f;
        var reference = new RandomGenerator(21);
        if (spareFirst) reference.NextNormal();
        var expected = new float[length + 3];
        for (int i = 0; i < expected.Length; i++) expected[i] = mean + std * reference.NextNormal();
        ulong after = reference.NextUInt64();
        bool saved = BoxMuller.InChunks;
        BoxMuller.InChunks = true;
        try
        {
            ThreadCounts.SameBits($"a fill of {length} normal deviates", () =>
            {
                var random = new RandomGenerator(21);
                if (spareFirst) random.NextNormal();
                var values = new float[length + 3];
                random.FillNormal(values.AsSpan(0, length), mean, std);
                // The three after: the spare deviate a fill of odd length leaves, then new pairs.
                for (int i = length; i < values.Length; i++) values[i] = mean + std * random.NextNormal();
                ThreadCounts.Identical("shared out against one at a time", [expected], [values]);
                Assert.Equal(after, random.NextUInt64());
                return [values];
            });
        }
        finally
        {
            BoxMuller.InChunks = saved;
        }
    }
}
