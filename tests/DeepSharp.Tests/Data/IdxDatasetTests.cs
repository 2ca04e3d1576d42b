using System.Net;
using System.Net.Sockets;

namespace DeepSharp.Tests.Data;

public class IdxDatasetTests
{
    /// <summary>A tiny dataset of 3 training and 2 test images, with its own checksums.</summary>
    private sealed class Synthetic
    {
        public const string Folder = "synthetic";
        public readonly Dictionary<string, byte[]> Files = new();
        public readonly StringWriter Log = new();

        public Synthetic()
        {
            Files["train-images-idx3-ubyte.gz"] = IdxBytes.Gzip(IdxBytes.UnsignedBytes([3, 28, 28], Pixels(3, seed: 1)));
            Files["train-labels-idx1-ubyte.gz"] = IdxBytes.Gzip(IdxBytes.UnsignedBytes([3], [0, 9, 3]));
            Files["t10k-images-idx3-ubyte.gz"] = IdxBytes.Gzip(IdxBytes.UnsignedBytes([2, 28, 28], Pixels(2, seed: 2)));
            Files["t10k-labels-idx1-ubyte.gz"] = IdxBytes.Gzip(IdxBytes.UnsignedBytes([2], [1, 2]));
        }

        public static byte[] Pixels(int images, int seed)
        {
            var pixels = new byte[images * 28 * 28];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)((i * 7 + seed * 31) % 256);
            return pixels;
        }

        public IdxDataset Dataset(string cacheDirectory, params string[] baseUrls) => Datasets.FashionMnist with
        {
            Name = "Synthetic",
            FolderName = Folder,
            TrainImages = Entry("train-images-idx3-ubyte.gz"),
            TrainLabels = Entry("train-labels-idx1-ubyte.gz"),
            TestImages = Entry("t10k-images-idx3-ubyte.gz"),
            TestLabels = Entry("t10k-labels-idx1-ubyte.gz"),
            BaseUrls = baseUrls,
            CacheDirectory = cacheDirectory,
            SearchFrom = [],
            Downloader = new Downloader(TimeSpan.FromSeconds(10)) { Log = Log },
        };

        private DatasetFile Entry(string name) => new(name, Checksum.Sha256(IdxBytes.Sha256(Files[name])));

        public void WriteTo(string directory, params string[] only)
        {
            Directory.CreateDirectory(directory);
            foreach (var (name, bytes) in Files)
                if (only.Length == 0 || only.Contains(name)) File.WriteAllBytes(Path.Combine(directory, name), bytes);
        }
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public void Loads_a_split_with_the_right_shapes_values_and_scaling()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null);
        var data = new Synthetic();
        data.WriteTo(dir.File("data", Synthetic.Folder));
        var dataset = data.Dataset(dir.File("cache"));

        var (train, test) = dataset.Load(dir.File("data"));
        var raw = dataset.LoadTest(dir.File("data"), normalize: false);

        Assert.Equal(new TensorShape(3, 28, 28), train.X.Shape);
        Assert.Equal(new TensorShape(3), train.Y.Shape);
        Assert.Equal([0f, 9f, 3f], train.Y.ToArray());
        Assert.Equal(2, test.Count);
        Assert.Equal([1f, 2f], test.Y.ToArray());
        var expected = Synthetic.Pixels(2, seed: 2);
        var scaled = test.X.ToArray();
        var unscaled = raw.X.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], unscaled[i]);
            Assert.Equal(expected[i] / 255f, scaled[i]);
        }
    }

    [Fact]
    public void Loaded_tensors_outlive_the_callers_scope()
    {
        using var dir = new TempDirectory();
        var data = new Synthetic();
        data.WriteTo(dir.File("d"));
        DatasetSplit test;
        using (TensorScope.Begin()) test = data.Dataset(dir.File("cache")).LoadTest(dir.File("d"));
        Assert.False(test.X.IsDisposed);
        Assert.Equal([1f, 2f], test.Y.ToArray());
    }

    [Fact]
    public void The_explicit_directory_may_be_the_dataset_folder_or_its_parent()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null);
        var data = new Synthetic();
        data.WriteTo(dir.File("parent", Synthetic.Folder));
        data.WriteTo(dir.File("itself"));
        var dataset = data.Dataset(dir.File("cache"));

        var fromParent = dataset.Resolve([dataset.TestLabels], dir.File("parent"));
        var fromItself = dataset.Resolve([dataset.TestLabels], dir.File("itself"));

        Assert.Equal(dir.File("parent", Synthetic.Folder, "t10k-labels-idx1-ubyte.gz"), fromParent[0]);
        Assert.Equal(dir.File("itself", "t10k-labels-idx1-ubyte.gz"), fromItself[0]);
    }

    [Fact]
    public void Search_order_is_argument_then_environment_then_shared_then_cache()
    {
        using var dir = new TempDirectory();
        var data = new Synthetic();
        string argument = dir.File("arg"), environment = dir.File("env"), cache = dir.File("cache");
        string start = dir.File("project", "src", "bin");
        Directory.CreateDirectory(start);
        data.WriteTo(Path.Combine(argument, Synthetic.Folder));
        data.WriteTo(Path.Combine(environment, Synthetic.Folder));
        data.WriteTo(dir.File("project", "shared", "datasets", Synthetic.Folder));
        data.WriteTo(Path.Combine(cache, Synthetic.Folder));
        var dataset = data.Dataset(cache) with { SearchFrom = [start] };
        DatasetFile[] file = [dataset.TestImages];
        string Found(string? argumentDirectory) => Path.GetDirectoryName(Path.GetDirectoryName(dataset.Resolve(file, argumentDirectory)[0]))!;

        using (new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, environment))
        {
            Assert.Equal(argument, Found(argument));
            Assert.Equal(environment, Found(null));
        }
        using (new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null))
        {
            Assert.Equal(dir.File("project", "shared", "datasets"), Found(null));
            Directory.Delete(dir.File("project", "shared"), recursive: true);
            Assert.Equal(cache, Found(null));
        }
    }

    [Fact]
    public void Files_may_come_from_different_places()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null);
        var data = new Synthetic();
        data.WriteTo(dir.File("partial"), "t10k-images-idx3-ubyte.gz");
        data.WriteTo(dir.File("cache", Synthetic.Folder), "t10k-labels-idx1-ubyte.gz");
        var dataset = data.Dataset(dir.File("cache"));

        var test = dataset.LoadTest(dir.File("partial"));

        Assert.Equal([1f, 2f], test.Y.ToArray());
    }

    [Fact]
    public void A_file_with_a_wrong_checksum_is_ignored_with_a_warning()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null);
        var data = new Synthetic();
        data.WriteTo(dir.File("good"));
        Directory.CreateDirectory(dir.File("bad"));
        File.WriteAllBytes(dir.File("bad", "t10k-labels-idx1-ubyte.gz"), IdxBytes.Gzip(IdxBytes.UnsignedBytes([2], [7, 7])));
        var dataset = data.Dataset(dir.File("cache"));

        string[] found;
        using (new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, dir.File("good")))
            found = dataset.Resolve([dataset.TestLabels], dir.File("bad"));

        Assert.Equal(dir.File("good", "t10k-labels-idx1-ubyte.gz"), found[0]);
        Assert.Contains("Warning", data.Log.ToString());
        Assert.Contains(dir.File("bad", "t10k-labels-idx1-ubyte.gz"), data.Log.ToString());
        Assert.Contains(dataset.TestLabels.Checksum.Hex, data.Log.ToString());
    }

    [Fact]
    public void A_file_changed_after_it_was_verified_is_verified_again()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null);
        var data = new Synthetic();
        data.WriteTo(dir.File("first"));
        data.WriteTo(dir.File("second"));
        var dataset = data.Dataset(dir.File("cache"));
        string path = dir.File("first", "t10k-labels-idx1-ubyte.gz");
        Assert.Equal(path, dataset.Resolve([dataset.TestLabels], dir.File("first"))[0]);

        File.WriteAllBytes(path, IdxBytes.Gzip(IdxBytes.UnsignedBytes([3], [1, 2, 3])));
        string[] found;
        using (new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, dir.File("second")))
            found = dataset.Resolve([dataset.TestLabels], dir.File("first"));

        Assert.Equal(dir.File("second", "t10k-labels-idx1-ubyte.gz"), found[0]);
    }

    [Fact]
    public void Missing_files_are_downloaded_into_the_cache_from_a_file_url_mirror()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null);
        var data = new Synthetic();
        data.WriteTo(dir.File("server"));
        string refused = $"http://127.0.0.1:{ClosedPort()}/";
        var dataset = data.Dataset(dir.File("cache"), refused, new Uri(dir.File("server")).AbsoluteUri + "/");

        var (train, test) = dataset.Load();

        Assert.Equal([0f, 9f, 3f], train.Y.ToArray());
        Assert.Equal(2, test.Count);
        foreach (var name in data.Files.Keys)
            Assert.Equal(data.Files[name], File.ReadAllBytes(dir.File("cache", Synthetic.Folder, name)));
        Assert.Empty(Directory.GetFiles(dir.File("cache", Synthetic.Folder), "*.part"));
    }

    [Fact]
    public void A_corrupt_cached_file_is_downloaded_again()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null);
        var data = new Synthetic();
        data.WriteTo(dir.File("server"));
        Directory.CreateDirectory(dir.File("cache", Synthetic.Folder));
        string cached = dir.File("cache", Synthetic.Folder, "t10k-labels-idx1-ubyte.gz");
        File.WriteAllText(cached, "half a download");
        data.WriteTo(dir.File("cache", Synthetic.Folder), "t10k-images-idx3-ubyte.gz");
        var dataset = data.Dataset(dir.File("cache"), new Uri(dir.File("server")).AbsoluteUri);

        var test = dataset.LoadTest();

        Assert.Equal([1f, 2f], test.Y.ToArray());
        Assert.Equal(data.Files["t10k-labels-idx1-ubyte.gz"], File.ReadAllBytes(cached));
    }

    [Fact]
    public void When_nothing_is_found_and_the_download_fails_the_message_says_everything()
    {
        using var dir = new TempDirectory();
        var data = new Synthetic();
        string argument = dir.File("arg");
        data.WriteTo(Path.Combine(argument, Synthetic.Folder), "t10k-images-idx3-ubyte.gz"); // exists, lacks the labels
        string environment = dir.File("env-missing");
        string url = $"http://127.0.0.1:{ClosedPort()}/data/";
        var dataset = data.Dataset(dir.File("cache"), url);

        FileNotFoundException e;
        using (new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, environment))
            e = Assert.Throws<FileNotFoundException>(() => dataset.Load(argument));

        string m = e.Message;
        Assert.Contains("Synthetic: 3 files not found: train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-labels-idx1-ubyte.gz", m);
        Assert.Contains($"{Path.Combine(argument, Synthetic.Folder)} (data directory argument / --data): lacks train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-labels-idx1-ubyte.gz", m);
        Assert.Contains($"{Path.Combine(environment, Synthetic.Folder)} (DEEPSHARP_DATA): does not exist", m);
        Assert.Contains($"{dir.File("cache", Synthetic.Folder)} (cache): does not exist", m);
        Assert.Contains(url + "train-images-idx3-ubyte.gz", m);
        Assert.Contains("Connection refused", m);
        Assert.Contains("t10k-labels-idx1-ubyte.gz: not tried after the failure above", m);
        Assert.Contains("--data DIR", m);
        Assert.Contains("DEEPSHARP_DATA=DIR", m);
        Assert.Contains($"copy the files into {dir.File("cache", Synthetic.Folder)}", m);
        Assert.Contains(dataset.TrainImages.Checksum.ToString(), m);
        Assert.False(File.Exists(dir.File("cache", Synthetic.Folder, "train-images-idx3-ubyte.gz")));
    }

    [Fact]
    public void Without_a_download_address_the_message_says_so()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null);
        var dataset = new Synthetic().Dataset(dir.File("cache"));
        var e = Assert.Throws<FileNotFoundException>(() => dataset.LoadTest());
        Assert.Contains("no download address is configured", e.Message);
        Assert.Contains("DEEPSHARP_DATA: not set", e.Message);
        Assert.Contains("data directory argument / --data: not given", e.Message);
    }

    [Fact]
    public void Images_of_the_wrong_size_or_labels_out_of_range_are_refused()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null);
        var badImages = IdxBytes.Gzip(IdxBytes.UnsignedBytes([2, 14, 14], new byte[2 * 14 * 14]));
        var badLabels = IdxBytes.Gzip(IdxBytes.UnsignedBytes([2], [1, 12]));
        var data = new Synthetic();
        var labels = data.Files["t10k-labels-idx1-ubyte.gz"];
        Directory.CreateDirectory(dir.File("d"));
        File.WriteAllBytes(dir.File("d", "images.gz"), badImages);
        File.WriteAllBytes(dir.File("d", "labels.gz"), labels);
        File.WriteAllBytes(dir.File("d", "images-ok.gz"), data.Files["t10k-images-idx3-ubyte.gz"]);
        File.WriteAllBytes(dir.File("d", "labels-bad.gz"), badLabels);
        var dataset = data.Dataset(dir.File("cache")) with
        {
            TestImages = new("images.gz", Checksum.Sha256(IdxBytes.Sha256(badImages))),
            TestLabels = new("labels.gz", Checksum.Sha256(IdxBytes.Sha256(labels))),
        };

        var e = Assert.Throws<InvalidDataException>(() => dataset.LoadTest(dir.File("d")));
        Assert.Contains("(2, 14, 14)", e.Message);
        Assert.Contains("(N, 28, 28)", e.Message);

        dataset = dataset with
        {
            TestImages = new("images-ok.gz", Checksum.Sha256(IdxBytes.Sha256(data.Files["t10k-images-idx3-ubyte.gz"]))),
            TestLabels = new("labels-bad.gz", Checksum.Sha256(IdxBytes.Sha256(badLabels))),
        };
        e = Assert.Throws<InvalidDataException>(() => dataset.LoadTest(dir.File("d")));
        Assert.Contains("label 12 at index 1", e.Message);
    }

    [Fact]
    public void Fashion_mnist_loads_from_the_shared_folder()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null);
        var dataset = Datasets.FashionMnist with { CacheDirectory = dir.File("cache"), BaseUrls = [] };

        var (train, test) = dataset.Load(SharedData.Directory);

        Assert.Equal(new TensorShape(60000, 28, 28), train.X.Shape);
        Assert.Equal(new TensorShape(60000), train.Y.Shape);
        Assert.Equal(new TensorShape(10000, 28, 28), test.X.Shape);
        Assert.Equal(new TensorShape(10000), test.Y.Shape);
        // Reference figures computed with numpy from the same files.
        var x = train.X.ToArray();
        Assert.Equal(0f, x.Min());
        Assert.Equal(1f, x.Max());
        Assert.Equal(0.2860406, x.Average(v => (double)v), 5);
        Assert.Equal(76247 / 255.0, x.AsSpan(0, 784).ToArray().Sum(v => (double)v), 3);
        var counts = new int[10];
        foreach (float label in train.Y.ToArray()) counts[(int)label]++;
        Assert.All(counts, c => Assert.Equal(6000, c));
        Assert.Equal([9f, 0f, 0f, 3f, 0f], train.Y.ToArray()[..5]);
        Assert.Equal("Ankle boot", dataset.ClassName((int)train.Y[0]));
        train.Dispose();
        test.Dispose();
    }

    [Fact]
    public void Fashion_mnist_is_found_above_the_current_directory_without_any_setting()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, null);
        var dataset = Datasets.FashionMnist with { CacheDirectory = dir.File("cache"), BaseUrls = [] };

        var test = dataset.LoadTest(normalize: false);

        Assert.Equal(10000, test.Count);
        Assert.Equal(255f, test.X.ToArray().Max());
        Assert.Equal(new float[] { 0, 0, 98, 136, 110, 109, 110, 162 }, Enumerable.Range(10, 8).Select(c => test.X[0, 14, c]).ToArray());
    }

    [Fact]
    public void Mnist_test_split_loads_from_the_shared_folder_but_the_training_images_are_missing_there()
    {
        using var dir = new TempDirectory();
        using var env = new EnvironmentVariableScope(IdxDataset.DataEnvironmentVariable, SharedData.Directory);
        var dataset = Datasets.Mnist with { CacheDirectory = dir.File("cache"), SearchFrom = [], BaseUrls = [$"http://127.0.0.1:{ClosedPort()}/mnist/"] };

        var test = dataset.LoadTest();
        Assert.Equal(new TensorShape(10000, 28, 28), test.X.Shape);
        Assert.Equal([7f, 2f, 1f, 0f, 4f], test.Y.ToArray()[..5]);
        Assert.Equal(0.1325146, test.X.ToArray().Average(v => (double)v), 5);

        var e = Assert.Throws<FileNotFoundException>(() => dataset.Load());
        Assert.Contains("MNIST: 1 file not found: train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains($"{Path.Combine(SharedData.Directory, "mnist")} (DEEPSHARP_DATA): lacks train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("md5:f68b3c2dcbeaaa9fbdd348bbdeb94873", e.Message);
    }

    [Fact]
    public void The_published_datasets_are_described_completely()
    {
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"], Datasets.FashionMnist.ClassNames);
        Assert.Equal(10, Datasets.Mnist.ClassCount);
        Assert.Equal("sha256", Datasets.FashionMnist.TrainImages.Checksum.Algorithm);
        Assert.Equal("md5", Datasets.Mnist.TrainImages.Checksum.Algorithm);
        Assert.Equal(["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"], Datasets.FashionMnist.BaseUrls);
        Assert.Equal(["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"], Datasets.Mnist.BaseUrls);
        Assert.EndsWith(Path.Combine(".deepsharp", "datasets"), IdxDataset.DefaultCacheDirectory);
        Assert.Throws<ArgumentOutOfRangeException>(() => Datasets.Mnist.ClassName(10));
    }
}
