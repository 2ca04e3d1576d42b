namespace DeepSharp.Tests.Layering;

/// <summary>DESIGN.md's layer order holds in the compiled library: no folder refers to a folder above it.</summary>
public class LayeringTests
{
    private static readonly LayerRules Rules = new(
        Levels:
        [
            ["Kernels"], ["Tensors"], ["IO"], ["Autograd"], ["Ops"],
            ["Activations", "Initializers", "Regularizers", "Losses", "Metrics", "Optimizers"],
            ["Layers"], ["Data"], ["Distributed"], ["Models", "Callbacks"], ["Interop"],
        ],
        Sealed: "Kernels",
        SealedUsers: ["Tensors", "Autograd", "Ops"],
        Allowed: []);

    [Fact]
    public void Dump()
    {
        var path = typeof(Tensor).Assembly.Location;
        var refs = FolderReferences.Read(path, LibraryFolder, f => Rules.Rank(f));
        var problems = Rules.Check(refs);
        File.WriteAllLines("/tmp/layering-problems.txt", problems);
        File.WriteAllLines("/tmp/layering-types.txt", refs.TypeFolders.Select(kv => $"{kv.Value}\t{kv.Key}"));
    }

    private static string? LibraryFolder(string path)
    {
        const string root = "/src/DeepSharp/";
        int at = path.LastIndexOf(root, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = path[(at + root.Length)..];
        int slash = rest.IndexOf('/');
        return slash < 0 ? null : rest[..slash];
    }
}
