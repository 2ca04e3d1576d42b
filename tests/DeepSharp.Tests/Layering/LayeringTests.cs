namespace DeepSharp.Tests.Layering;

/// <summary>
/// DESIGN.md's layer order holds in the compiled library: no folder of src/DeepSharp refers to a folder above it,
/// Kernels are reached only through Tensors, Autograd and Ops, and a tensor's storage only from the folders that
/// own memory. The checker reads the assembly and its PDB (System.Reflection.Metadata): signatures, base types,
/// attributes and every token in the IL.
/// </summary>
public class LayeringTests
{
    /// <summary>DESIGN.md's order, bottom up; folders on one line are one level (the Blocks; Models with its Callbacks).</summary>
    private static readonly string[][] Levels =
    [
        ["Kernels"], ["Tensors"], ["IO"], ["Autograd"], ["Ops"],
        ["Activations", "Initializers", "Regularizers", "Losses", "Metrics", "Optimizers"],
        ["Layers"], ["Data"], ["Distributed"], ["Models", "Callbacks"], ["Interop"],
    ];

    private static readonly Seal[] Seals =
    [
        // The GPU seam: layers and models call Ops; only Ops (and the tensor and tape beneath them) call kernels.
        new("Kernels", ["Kernels"], ["Tensors", "Autograd", "Ops"]),
        // ... and never read or write a tensor's memory themselves.
        new("A tensor's storage",
            ["Tensors/Tensor.get_Span", "Tensors/Tensor.get_Pointer", "Tensors/Tensor.get_Storage", "Tensors/Tensor._storage", "Tensors/TensorStorage"],
            ["Tensors", "IO", "Autograd", "Ops"]),
    ];

    private static readonly AllowedReference[] Allowed =
    [
        new("Tensors/Tensor", "Autograd/Node",
            "A tensor carries the node of the op that made it (PyTorch's grad_fn) and releases it with itself; " +
            "the autograd half of Tensor is Autograd/Tensor.Gradients.cs."),
        new("Data", "Kernels",
            "Data builds host-memory batches before a model sees them (row gathers, the affine resampling of augmentation " +
            "on its worker pool), as PyTorch's DataLoader works on CPU tensors; a device backend copies the finished batch."),
        new("Data", "Tensors/Tensor.get_Span",
            "The same host-side batches: the IDX reader fills new tensors, loaders gather rows into their batch tensors."),
        new("Data", "Tensors/Tensor.get_Pointer", "The same host-side batches: augmentation resamples images in place."),
        new("Distributed/Communicator", "Kernels/Parallelism",
            "A distributed run divides the host's cores among its ranks through the kernels' public thread setting, " +
            "which lives with the kernels (it sets how many threads a kernel call uses); no kernel is called."),
    ];

    private static readonly LayerRules Rules = new(Levels, Seals, Allowed);

    [Fact]
    public void The_library_keeps_the_layer_order()
    {
        var library = Library();
        var problems = Rules.Check(library);
        Assert.True(problems.Count == 0, "Layering broken:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_reader_places_every_type_and_sees_references_of_every_kind_in_the_library()
    {
        var library = Library();
        Assert.Empty(library.UnplacedSourceTypes);
        Assert.True(library.TypeFolders.Count(t => t.Value is not null) > 300);
        // Types without method bodies are placed by the PDB's type documents.
        Assert.Equal("Data", library.TypeFolders["IBatchSource"]);
        Assert.Equal("Initializers", library.TypeFolders["FanMode"]);
        // A partial class spread over folders lives in the lowest; its methods keep their own folders.
        Assert.Equal("Tensors", library.TypeFolders["Tensor"]);
        var seen = library.References.Select(r => r.ToString()).ToHashSet();
        Assert.Contains("Layers/Dense.Forward -> Ops/Ops.Dense", seen);                            // a call in IL
        Assert.Contains("Models/Model -> Layers/Layer (base type)", seen);                          // a base type
        Assert.Contains("Layers/Layer (field _weights) -> Tensors/Tensor", seen);                 // a generic argument in a field
        Assert.Contains(library.References, r => r.FromFolder == "Models" && r.ToFolder == "Data" && r.To.StartsWith("DataLoader", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_its_exceptions_the_check_reports_the_known_upward_reference()
    {
        // The library's one deliberate upward reference, fed through the rules with no exceptions.
        var bare = Rules with { Allowed = [] };
        var problems = bare.Check(Library());
        Assert.Contains(problems, p => p.StartsWith("Tensors/Tensor (field _node) -> Autograd/Node: refers upward", StringComparison.Ordinal));
    }

    [Fact]
    public void The_checker_reports_each_kind_of_upward_reference_in_a_sample_and_nothing_downward()
    {
        // Samples/Bottom refers to Samples/Top in seven ways (see UpwardReferences.cs); Top refers to nothing below.
        var sample = FolderReferences.Read(typeof(LayeringTests).Assembly.Location, SampleFolder, f => f == "Bottom" ? 0 : 1);
        var placed = sample.TypeFolders;
        var upward = new LayerRules([["Bottom"], ["Top"]], [], []).Check(placed, sample.References);
        foreach (var (from, to) in new[]
                 {
                     ("CallsUp.Run", "TopThing.Value"), ("DerivesUp", "TopThing (base type)"), ("ImplementsUp", "ITopThing (interface)"),
                     ("HoldsUp (field Kind)", "TopKind"), ("MarkedUp", "TopAttribute..ctor (attribute)"), ("ListsUp (field Items)", "TopThing"),
                     ("LambdaUp+<>c.<Make>", "TopThing.Value"), ("LambdaUp.Write", "TopThing.Field"),
                 })
            Assert.Contains(upward, p => p.StartsWith("Bottom/" + from, StringComparison.Ordinal) &&
                p.EndsWith($" -> Top/{to}: refers upward (Bottom is below Top)", StringComparison.Ordinal));
        Assert.All(upward, p => Assert.Matches("^Bottom/.* -> Top/.*: refers upward \\(Bottom is below Top\\)$", p));

        Assert.Empty(new LayerRules([["Top"], ["Bottom"]], [], []).Check(placed, sample.References));
        var sealedTop = new LayerRules([["Top"], ["Bottom"]], [new Seal("Top", ["Top"], ["Top"])], []).Check(placed, sample.References);
        Assert.Equal(upward.Count, sealedTop.Count);
        Assert.All(sealedTop, p => Assert.EndsWith(": Top is reached only from Top", p));

        var stale = new LayerRules([["Top"], ["Bottom"]], [], [new AllowedReference("Bottom", "Top", "no longer needed")]).Check(placed, sample.References);
        Assert.Equal(["the exception Bottom -> Top is no longer needed; remove it"], stale);
        Assert.Contains("folder 'Bottom' has no place in the layer order", new LayerRules([["Top"]], [], []).Check(placed, sample.References)[0]);
    }

    private static FolderReferences Library() =>
        FolderReferences.Read(typeof(Tensor).Assembly.Location, LibraryFolder, f => Rules.Rank(f));

    /// <summary>The folder under src/DeepSharp/ a source file is in (null for generated files under obj/).</summary>
    private static string? LibraryFolder(string path) => FolderAfter(path, "/src/DeepSharp/");

    /// <summary>The folder under Layering/Samples/ of the test project (null for every other file).</summary>
    private static string? SampleFolder(string path) => FolderAfter(path, "/Layering/Samples/");

    private static string? FolderAfter(string path, string root)
    {
        int at = path.LastIndexOf(root, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = path[(at + root.Length)..];
        int slash = rest.IndexOf('/');
        return slash < 0 || rest.StartsWith("obj/", StringComparison.Ordinal) ? null : rest[..slash];
    }
}
