using DeepSharp.Kernels;

namespace DeepSharp.Bench.Benchmarks;

/// <summary>
/// A model's step with products of a large B and a small C cut along k (<see cref="GemmKBlocks.Enabled"/>) against cut
/// across C, in alternating blocks in one process (<see cref="SwitchBenchmark"/>): the seed MLP and CNN at b32 and b128
/// (their Dense kernels, 784 and 1,600 rows), and the charlm; the peer column is the old cut.
/// </summary>
internal sealed class GemmKBlocksBenchmark(string model, int batch) : SwitchBenchmark($"k-blocks-{model}{(batch > 0 ? batch : "")}",
    "k blocks vs cut across C", "cut across C", new LibrarySwitch(() => GemmKBlocks.Enabled, on => GemmKBlocks.Enabled = on))
{
    protected override string Step => $"{model} train";

    protected override TimeSpan RunLength => TimeSpan.FromMilliseconds(model == "charlm" ? 400 : 100);

    protected override (Tensor X, Tensor Y) Batch()
    {
        if (model == "charlm") return CharLmBenchmark.Windows();
        var (pixels, labels) = SyntheticBatch.Images(batch, seed: 12);
        // The MLP flattens 28×28 images; the CNN takes one channel.
        return (model == "mlp" ? Tensor.FromArray(pixels, batch, 28, 28) : Tensor.FromArray(pixels, batch, 28, 28, 1), Tensor.FromArray(labels));
    }

    protected override Model Compiled() => model switch
    {
        "mlp" => CompiledForImages(DeepSharp.Examples.SeedModels.Mlp()),
        "cnn" => CompiledForImages(DeepSharp.Examples.SeedModels.Cnn()),
        _ => CharLmBenchmark.Compiled(),
    };
}
