namespace DeepSharp.Tests.Layering;

/// <summary>A reference the rules would refuse but that is there on purpose, with the reason.</summary>
/// <param name="From">Who refers: "Folder", "Folder/Type" or "Folder/Type.Member".</param>
/// <param name="To">What is referred to, in the same form.</param>
/// <param name="Reason">Why it is right.</param>
internal sealed record AllowedReference(string From, string To, string Reason)
{
    public bool Matches(FolderReference reference) =>
        Covers(From, reference.FromFolder, reference.From) && Covers(To, reference.ToFolder, reference.To);

    private static bool Covers(string pattern, string folder, string name)
    {
        string full = folder + "/" + name;
        return pattern == folder || full == pattern ||
            (full.StartsWith(pattern, StringComparison.Ordinal) && full[pattern.Length] is '.' or ' ' or '+');
    }
}

/// <summary>
/// The rules of DESIGN.md's layering over the references of an assembly: code in a folder refers only to its
/// own level and the levels below; a sealed folder (Kernels) is seen only by the folders named as its users.
/// </summary>
/// <param name="Levels">The levels bottom up, each a set of folders on one level.</param>
/// <param name="Sealed">The folder only <paramref name="SealedUsers"/> may refer to (null: none).</param>
/// <param name="SealedUsers">The folders allowed to refer to <paramref name="Sealed"/> (besides itself).</param>
/// <param name="Allowed">The exceptions, each with its reason.</param>
internal sealed record LayerRules(IReadOnlyList<string[]> Levels, string? Sealed, IReadOnlyList<string> SealedUsers, IReadOnlyList<AllowedReference> Allowed)
{
    /// <summary>The level of a folder, from 0 at the bottom; -1 for a folder the order does not name.</summary>
    public int Rank(string folder)
    {
        for (int i = 0; i < Levels.Count; i++)
            if (Levels[i].Contains(folder, StringComparer.Ordinal)) return i;
        return -1;
    }

    /// <summary>What breaks the rules, one line each (empty when all is well), including exceptions nothing needs any more.</summary>
    public List<string> Check(FolderReferences assembly) => Check(assembly.TypeFolders, assembly.References);

    /// <summary>The check on a given set of placed types and references.</summary>
    public List<string> Check(IReadOnlyDictionary<string, string?> typeFolders, IEnumerable<FolderReference> references)
    {
        var problems = new List<string>();
        foreach (var folder in typeFolders.Values.OfType<string>().Distinct().Order(StringComparer.Ordinal))
            if (Rank(folder) < 0) problems.Add($"folder '{folder}' has no place in the layer order; add it to DESIGN.md and to the order here");
        var used = new HashSet<AllowedReference>();
        foreach (var reference in references.OrderBy(r => r.ToString(), StringComparer.Ordinal))
        {
            string? broken = Broken(reference);
            if (broken is null) continue;
            var allowed = Allowed.FirstOrDefault(a => a.Matches(reference));
            if (allowed is not null) used.Add(allowed);
            else problems.Add($"{reference}: {broken}");
        }
        foreach (var allowed in Allowed.Where(a => !used.Contains(a)))
            problems.Add($"the exception {allowed.From} -> {allowed.To} is no longer needed; remove it");
        return problems;
    }

    /// <summary>Which rule a reference breaks, or null.</summary>
    public string? Broken(FolderReference reference)
    {
        int from = Rank(reference.FromFolder), to = Rank(reference.ToFolder);
        if (from < 0 || to < 0) return null; // reported once as an unplaced folder
        if (to > from) return $"refers upward ({reference.FromFolder} is below {reference.ToFolder})";
        if (reference.ToFolder == Sealed && reference.FromFolder != Sealed && !SealedUsers.Contains(reference.FromFolder))
            return $"{Sealed} is reached only through {string.Join(", ", SealedUsers)}";
        return null;
    }
}
