using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Data;

/// <summary>
/// The one resampling body of <see cref="ImageDataGenerator.Augment"/> and of the flow's inline and pooled batches gives
/// byte for byte the images that <see cref="ImageDataGenerator.AugmentInto"/> makes one at a time from the same draws
/// (the path of the flow's own thread, which does not use the body), at one, two and three kernel threads. The flow's
/// batches against that path, through shuffles and shards: <see cref="ImageFlowPreparationTests"/>.
/// </summary>
public class ImageResamplingTests
{
    [Theory]
    [InlineData(5, 12, 12, 1)]    // too little to share: image after image on the calling thread
    [InlineData(100, 28, 28, 1)]  // shared out among the kernel threads
    [InlineData(12, 40, 48, 3)]   // colour, shared out
    public void Augment_gives_the_bits_of_one_image_at_a_time(int count, int height, int width, int channels)
    {
        var generator = new ImageDataGenerator(rotationRange: 20, widthShiftRange: 0.1, heightShiftRange: 0.15, shearRange: 0.2,
            zoomRange: (0.8, 1.2), horizontalFlip: true, fillMode: "reflect", rescale: 0.5);
        var images = Tensor.RandomUniform([count, height, width, channels], generator: new RandomGenerator(9));
        var expected = OneAtATime(generator, images, seed: 21);
        ThreadCounts.SameBits($"{count} images", () =>
        {
            float[][] augmented = [generator.Augment(images, seed: 21).ToArray()];
            ThreadCounts.Identical($"{count} images at {Parallelism.Threads} threads against one at a time", [expected], augmented);
            return augmented;
        });
    }

    /// <summary>What Augment(images, seed) draws, each image resampled as it is drawn.</summary>
    private static unsafe float[] OneAtATime(ImageDataGenerator generator, Tensor images, long seed)
    {
        var (count, height, width, channels) = (images.Shape[0], images.Shape[1], images.Shape[2], images.Shape[3]);
        var random = new RandomGenerator(ImageFlow.StreamSeed(seed, 0, 0));
        using var output = Tensor.Zeros(images.Shape);
        long length = (long)height * width * channels;
        for (int i = 0; i < count; i++)
            generator.AugmentInto(images.Pointer + i * length, output.Pointer + i * length, height, width, channels, random);
        return output.ToArray();
    }
}
