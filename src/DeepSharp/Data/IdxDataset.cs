using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Text;

namespace DeepSharp;

/// <summary>
/// A dataset of small grayscale images with class labels, published as four IDX files (MNIST and its
/// relatives): where to find them, how to check them, and how to load them as tensors. The instances in
/// <see cref="Datasets"/> are ready to use; <c>with</c> makes a variant (another cache directory, other
/// mirrors), which is how tests point the loader at local servers.
/// </summary>
public sealed record IdxDataset
{
    /// <summary>The environment variable naming a directory that holds the datasets' folders.</summary>
    public const string DataEnvironmentVariable = "DEEPSHARP_DATA";

    // Files whose checksum was verified in this process, with the size and time they had then: hashing 30 MB
    // takes a tenth of a second, which is worth saving when a program loads a dataset repeatedly.
    private static readonly ConcurrentDictionary<string, (long Length, DateTime Written, string Checksum)> s_verified = new();
    private static Downloader? s_defaultDownloader;

    /// <summary>The dataset's name, e.g. <c>Fashion-MNIST</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The folder the files live in, under any data directory: e.g. <c>fashion-mnist</c>.</summary>
    public required string FolderName { get; init; }

    /// <summary>The name of each class, by class index.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>The image height in pixels.</summary>
    public int ImageHeight { get; init; } = 28;

    /// <summary>The image width in pixels.</summary>
    public int ImageWidth { get; init; } = 28;

    /// <summary>The training images file.</summary>
    public required DatasetFile TrainImages { get; init; }

    /// <summary>The training labels file.</summary>
    public required DatasetFile TrainLabels { get; init; }

    /// <summary>The test images file.</summary>
    public required DatasetFile TestImages { get; init; }

    /// <summary>The test labels file.</summary>
    public required DatasetFile TestLabels { get; init; }

    /// <summary>Base addresses the files can be downloaded from, tried in order (a file's URL is base + file name).</summary>
    public required IReadOnlyList<string> BaseUrls { get; init; }

    /// <summary>Where downloaded datasets are kept, one folder per dataset. Default <see cref="DefaultCacheDirectory"/>.</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory;

    /// <summary>
    /// Directories whose ancestors are searched for a <c>shared/datasets</c> folder; by default the current
    /// directory and the application's base directory. Empty to skip that step.
    /// </summary>
    public IReadOnlyList<string>? SearchFrom { get; init; }

    /// <summary>The downloader used for missing files; by default one that logs to standard error.</summary>
    public Downloader? Downloader { get; init; }

    /// <summary>The number of classes.</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>The user's dataset cache: <c>~/.deepsharp/datasets</c>.</summary>
    public static string DefaultCacheDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".deepsharp", "datasets");

    /// <summary>
    /// Loads the training and the test split. Images come as float32 tensors of shape [N, height, width],
    /// scaled to [0, 1] when <paramref name="normalize"/> (else 0 to 255); labels as float32 class indices of
    /// shape [N]. The tensors belong to no <see cref="TensorScope"/>: they live until disposed or collected.
    /// </summary>
    /// <param name="dataDirectory">
    /// A directory to look in first: the dataset's folder itself or a directory holding it (e.g. one that
    /// contains <c>fashion-mnist/</c>).
    /// </param>
    /// <param name="normalize">Whether to divide pixel values by 255.</param>
    /// <remarks>
    /// Each file is looked for, in order, in: <paramref name="dataDirectory"/>; the directory named by the
    /// <c>DEEPSHARP_DATA</c> environment variable; a <c>shared/datasets</c> folder in any ancestor of the
    /// current directory or of the application's directory; the cache (<see cref="CacheDirectory"/>). A file
    /// counts only if its checksum matches the published one. Files found nowhere are downloaded into the
    /// cache. When that fails too, the exception lists the missing files, every place searched, every address
    /// tried and why it failed, and where to put the files.
    /// </remarks>
    /// <exception cref="FileNotFoundException">Some files were found nowhere and could not be downloaded.</exception>
    /// <exception cref="InvalidDataException">A file with the right checksum could not be read as expected (never for the published files).</exception>
    public (DatasetSplit Train, DatasetSplit Test) Load(string? dataDirectory = null, bool normalize = true)
    {
        var paths = Resolve([TrainImages, TrainLabels, TestImages, TestLabels], dataDirectory);
        var train = ReadSplit(paths[0], paths[1], normalize);
        try
        {
            return (train, ReadSplit(paths[2], paths[3], normalize));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>Loads only the training split; see <see cref="Load"/>.</summary>
    public DatasetSplit LoadTrain(string? dataDirectory = null, bool normalize = true)
    {
        var paths = Resolve([TrainImages, TrainLabels], dataDirectory);
        return ReadSplit(paths[0], paths[1], normalize);
    }

    /// <summary>Loads only the test split (all a partial copy of a dataset may hold); see <see cref="Load"/>.</summary>
    public DatasetSplit LoadTest(string? dataDirectory = null, bool normalize = true)
    {
        var paths = Resolve([TestImages, TestLabels], dataDirectory);
        return ReadSplit(paths[0], paths[1], normalize);
    }

    /// <summary>The name of class <paramref name="label"/>.</summary>
    public string ClassName(int label)
    {
        if ((uint)label >= (uint)ClassNames.Count)
            throw new ArgumentOutOfRangeException(nameof(label), label, $"{Name} has classes 0 to {ClassNames.Count - 1}.");
        return ClassNames[label];
    }

    /// <summary>The dataset's name.</summary>
    public override string ToString() => Name;

    // ---- Reading -----------------------------------------------------------------------------------------

    private DatasetSplit ReadSplit(string imagesPath, string labelsPath, bool normalize)
    {
        using var unscoped = TensorScope.Suspend(); // a dataset outlives any training step
        var x = Idx.Read(imagesPath);
        Tensor? y = null;
        try
        {
            var shape = x.Shape;
            if (shape.Rank != 3 || shape[1] != ImageHeight || shape[2] != ImageWidth)
                throw new InvalidDataException($"{Name}: '{imagesPath}' holds an array of shape {shape}; expected images of shape (N, {ImageHeight}, {ImageWidth}).");
            y = Idx.Read(labelsPath);
            if (y.Shape.Rank != 1 || y.Shape[0] != shape[0])
                throw new InvalidDataException($"{Name}: '{labelsPath}' holds labels of shape {y.Shape}; expected ({shape[0]},), one per image in '{imagesPath}'.");
            CheckLabels(y.Span, labelsPath);
            if (normalize) TensorPrimitives.Divide(x.Span, 255f, x.Span);
            return new DatasetSplit(x, y);
        }
        catch
        {
            x.Dispose();
            y?.Dispose();
            throw;
        }
    }

    private void CheckLabels(ReadOnlySpan<float> labels, string path)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            float label = labels[i];
            if (!(label >= 0 && label < ClassCount && label == MathF.Floor(label)))
                throw new InvalidDataException($"{Name}: '{path}': label {label} at index {i} is not a class index 0 to {ClassCount - 1}.");
        }
    }

    // ---- Finding the files ---------------------------------------------------------------------------------

    /// <summary>One directory searched, and why it was searched (for the error message).</summary>
    private readonly record struct Place(string Directory, string Reason, bool IsCache);

    /// <summary>Finds (or downloads) every file in <paramref name="files"/>; returns their paths in order.</summary>
    internal string[] Resolve(DatasetFile[] files, string? dataDirectory)
    {
        var places = SearchPlaces(dataDirectory, out var notes);
        var downloader = Downloader ?? (s_defaultDownloader ??= new Downloader { Log = Console.Error });
        var paths = new string?[files.Length];
        var mismatches = new List<string>();

        for (int i = 0; i < files.Length; i++)
        {
            foreach (var place in places)
            {
                string candidate = Path.Combine(place.Directory, files[i].FileName);
                if (!File.Exists(candidate)) continue;
                string? actual = Verify(candidate, files[i].Checksum);
                if (actual is null)
                {
                    paths[i] = candidate;
                    break;
                }
                string problem = $"{candidate} has {files[i].Checksum.Algorithm} {actual}, expected {files[i].Checksum.Hex} (corrupt, truncated, or another dataset's file)";
                mismatches.Add(problem);
                if (!place.IsCache) downloader.Log?.WriteLine($"Warning: {Name}: ignoring {problem}.");
            }
        }

        if (Array.IndexOf(paths, null) < 0) return paths!;
        // Described now, before a download attempt creates the cache folder.
        string searched = DescribeSearch(files, paths, places, notes, mismatches);

        string cacheFolder = Path.Combine(CacheDirectory, FolderName);
        var downloadReport = new List<string>();
        bool failed = false;
        for (int i = 0; i < files.Length; i++)
        {
            if (paths[i] != null) continue;
            if (failed)
            {
                downloadReport.Add($"  {files[i].FileName}: not tried after the failure above");
                continue;
            }
            string destination = Path.Combine(cacheFolder, files[i].FileName);
            var urls = new string[BaseUrls.Count];
            for (int u = 0; u < urls.Length; u++) urls[u] = BaseUrls[u].EndsWith('/') ? BaseUrls[u] + files[i].FileName : BaseUrls[u] + "/" + files[i].FileName;
            try
            {
                downloader.Download(urls, destination, files[i].Checksum);
                Remember(destination, files[i].Checksum);
                paths[i] = destination;
            }
            catch (DownloadException e)
            {
                failed = true;
                downloadReport.Add($"  {files[i].FileName}:");
                foreach (var (url, reason) in e.Failures) downloadReport.Add($"    {url}: {reason}");
                if (e.Failures.Count == 0) downloadReport.Add("    no download address is configured");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed = true; // the cache directory cannot be created or written
                downloadReport.Add($"  {files[i].FileName}: could not write to {cacheFolder}: {e.Message}");
            }
        }

        if (Array.IndexOf(paths, null) >= 0)
            throw new FileNotFoundException(DescribeFailure(files, paths, searched, downloadReport, cacheFolder));
        return paths!;
    }

    /// <summary>The directories to search, in order; <paramref name="notes"/> records steps that had none.</summary>
    private List<Place> SearchPlaces(string? dataDirectory, out List<string> notes)
    {
        var places = new List<Place>();
        notes = [];
        var seen = new HashSet<string>(StringComparer.Ordinal);

        void Add(string directory, string reason, bool isCache = false)
        {
            string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
            if (seen.Add(full)) places.Add(new Place(full, reason, isCache));
        }

        if (!string.IsNullOrWhiteSpace(dataDirectory))
        {
            // A directory named explicitly that does not exist is a typo, not a reason to look elsewhere.
            if (!Directory.Exists(dataDirectory))
                throw new DirectoryNotFoundException(
                    $"{Name}: the data directory '{Path.GetFullPath(dataDirectory)}' (data directory argument / --data) does not exist.");
            Add(Path.Combine(dataDirectory, FolderName), "data directory argument / --data");
            Add(dataDirectory, "data directory argument / --data");
        }
        else notes.Add("data directory argument / --data: not given");

        string? fromEnvironment = Environment.GetEnvironmentVariable(DataEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            Add(Path.Combine(fromEnvironment, FolderName), DataEnvironmentVariable);
            Add(fromEnvironment, DataEnvironmentVariable);
        }
        else notes.Add($"{DataEnvironmentVariable}: not set");

        var starts = SearchFrom ?? [Directory.GetCurrentDirectory(), AppContext.BaseDirectory];
        int before = places.Count;
        foreach (var start in starts)
        {
            for (var ancestor = new DirectoryInfo(Path.GetFullPath(start)); ancestor != null; ancestor = ancestor.Parent)
            {
                string shared = Path.Combine(ancestor.FullName, "shared", "datasets");
                if (Directory.Exists(shared)) Add(Path.Combine(shared, FolderName), $"shared/datasets above {start}");
            }
        }
        if (places.Count == before && starts.Count > 0)
            notes.Add($"shared/datasets: no such folder in any ancestor of {string.Join(" or ", starts)}");

        Add(Path.Combine(CacheDirectory, FolderName), "cache", isCache: true);
        return places;
    }

    private static List<string> Missing(DatasetFile[] files, string?[] paths)
    {
        var missing = new List<string>();
        for (int i = 0; i < files.Length; i++)
            if (paths[i] == null) missing.Add(files[i].FileName);
        return missing;
    }

    /// <summary>What each searched place holds of the missing files, and the files ignored for their checksum.</summary>
    private static string DescribeSearch(DatasetFile[] files, string?[] paths, List<Place> places, List<string> notes, List<string> mismatches)
    {
        var missing = Missing(files, paths);
        var text = new StringBuilder("Searched, in order:\n");
        foreach (var place in places)
        {
            text.Append($"  {place.Directory} ({place.Reason}): ");
            if (!Directory.Exists(place.Directory))
            {
                text.Append("does not exist\n");
                continue;
            }
            var absent = new List<string>();
            foreach (var name in missing)
                if (!File.Exists(Path.Combine(place.Directory, name))) absent.Add(name);
            text.Append(absent.Count == 0 ? "has the files, but with wrong checksums (below)\n" : $"lacks {string.Join(", ", absent)}\n");
        }
        foreach (var note in notes) text.Append($"  ({note})\n");
        if (mismatches.Count > 0)
        {
            text.Append("Ignored because the checksum does not match:\n");
            foreach (var mismatch in mismatches) text.Append($"  {mismatch}\n");
        }
        return text.ToString();
    }

    private string DescribeFailure(DatasetFile[] files, string?[] paths, string searched, List<string> downloadReport, string cacheFolder)
    {
        var missing = Missing(files, paths);
        var text = new StringBuilder();
        text.Append($"{Name}: {missing.Count} file{(missing.Count == 1 ? "" : "s")} not found: {string.Join(", ", missing)}.\n");
        text.Append(searched);
        text.Append($"Downloading into {cacheFolder} failed:\n");
        foreach (var line in downloadReport) text.Append(line).Append('\n');
        char slash = Path.DirectorySeparatorChar;
        text.Append($"To fix it, copy the files into {cacheFolder}{slash}, or put them in DIR{slash}{FolderName}{slash} ")
            .Append($"and pass --data DIR (dataDirectory: DIR in code) or set {DataEnvironmentVariable}=DIR. Expected checksums:");
        foreach (var file in files)
            if (missing.Contains(file.FileName)) text.Append($"\n  {file.FileName} {file.Checksum}");
        return text.ToString();
    }

    /// <summary>Checks a file against its checksum (once per process while it stays unchanged); null when it matches, else its actual hash.</summary>
    private static string? Verify(string path, Checksum checksum)
    {
        var info = new FileInfo(path);
        string key = info.FullName;
        if (s_verified.TryGetValue(key, out var known) && known.Length == info.Length && known.Written == info.LastWriteTimeUtc
            && known.Checksum == checksum.ToString())
            return null;
        string actual = checksum.Compute(path);
        if (actual != checksum.Hex) return actual;
        s_verified[key] = (info.Length, info.LastWriteTimeUtc, checksum.ToString());
        return null;
    }

    private static void Remember(string path, Checksum checksum)
    {
        var info = new FileInfo(path);
        s_verified[info.FullName] = (info.Length, info.LastWriteTimeUtc, checksum.ToString());
    }
}
