namespace DeepSharp;

/// <summary>
/// The classic datasets, ready to load: <c>var (train, test) = Datasets.FashionMnist.Load();</c>.
/// Files are looked for locally first and downloaded (with checksum verification) only when missing; see
/// <see cref="IdxDataset.Load"/> for where they are looked for.
/// </summary>
public static class Datasets
{
    /// <summary>
    /// Fashion-MNIST (Zalando, MIT licence): 60,000 training and 10,000 test grayscale images of 28×28 pixels
    /// of clothing in 10 classes. A drop-in replacement for MNIST that is harder to fit.
    /// </summary>
    public static IdxDataset FashionMnist { get; } = new()
    {
        Name = "Fashion-MNIST",
        FolderName = "fashion-mnist",
        ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        TrainImages = new("train-images-idx3-ubyte.gz", Checksum.Sha256("b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7")),
        TrainLabels = new("train-labels-idx1-ubyte.gz", Checksum.Sha256("0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056")),
        TestImages = new("t10k-images-idx3-ubyte.gz", Checksum.Sha256("cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa")),
        TestLabels = new("t10k-labels-idx1-ubyte.gz", Checksum.Sha256("8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05")),
        BaseUrls = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    };

    /// <summary>
    /// MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0): 60,000 training and 10,000 test grayscale images of
    /// 28×28 pixels of handwritten digits 0 to 9. The publishers list MD5 checksums, which are verified.
    /// </summary>
    public static IdxDataset Mnist { get; } = new()
    {
        Name = "MNIST",
        FolderName = "mnist",
        ClassNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        TrainImages = new("train-images-idx3-ubyte.gz", Checksum.Md5("f68b3c2dcbeaaa9fbdd348bbdeb94873")),
        TrainLabels = new("train-labels-idx1-ubyte.gz", Checksum.Md5("d53e105ee54ea40749a09fcbcd1e9432")),
        TestImages = new("t10k-images-idx3-ubyte.gz", Checksum.Md5("9fb629c4189551a2d022fa330f9573f3")),
        TestLabels = new("t10k-labels-idx1-ubyte.gz", Checksum.Md5("ec29112dd5afa0611ce80d1b7f02629c")),
        // The original site (yann.lecun.com) no longer serves the files; these are the copies torchvision uses.
        BaseUrls = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"],
    };
}
