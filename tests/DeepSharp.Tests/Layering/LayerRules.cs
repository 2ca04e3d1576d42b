namespace DeepSharp.Tests.Layering;

/// <summary>A place in the code: a folder, a type ("Folder/Type") or a member ("Folder/Type.Member"), and everything in it.</summary>
internal static class Place
{
    /// <summary>Whether <paramref name="pattern"/> covers the type or member <paramref name="name"/> of <paramref name="folder"/>.</summary>
    public static bool Covers(string pattern, string folder, string name)
    {
        if (pattern == folder) return true;
        string full = folder + "/" + name;
        return full == pattern ||
            (full.StartsWith(pattern, StringComparison.Ordinal) && full[pattern.Length] is '.' or ' ' or '+');
    }
}

/// <summary>A reference the rules would refuse but that is there on purpose, with the reason.</summary>
/// <param name="From">Who refers: a folder, "Folder/Type" or "Folder/Type.Member".</param>
/// <param name="To">What is referred to, in the same form.</param>
/// <param name="Reason">Why it is right (or, for one that another branch removes, which branch and when).</param>
internal sealed record AllowedReference(string From, string To, string Reason)
{
    public bool Matches(FolderReference reference) =>
        Place.Covers(From, reference.FromFolder, reference.From) && Place.Covers(To, reference.ToFolder, reference.To);
}

/// <summary>Things only some folders may touch, whatever their level: Kernels, a tensor's storage.</summary>
/// <param name="Name">What is sealed, for messages ("Kernels").</param>
/// <param name="Targets">The places sealed (folders, types or members).</param>
/// <param name="Users">The folders that may refer to them (their own folder always may).</param>
internal sealed record Seal(string Name, string[] Targets, string[] Users)
{
    public bool Refuses(FolderReference reference) =>
        Targets.Any(t => Place.Covers(t, reference.ToFolder, reference.To)) && !Users.Contains(reference.FromFolder);
}

/// <summary>
/// The rules of DESIGN.md's layering over the references of an assembly: code in a folder refers only to its
/// own level and the levels below, and sealed things are reached only by the folders named as their users.
/// </summary>
/// <param name="Levels">The levels bottom up, each a set of folders on one level.</param>
/// <param name="Seals">What only some folders may touch.</param>
/// <param name="Allowed">The exceptions, each with its reason.</param>
internal sealed record LayerRules(IReadOnlyList<string[]> Levels, IReadOnlyList<Seal> Seals, IReadOnlyList<AllowedReference> Allowed)
{
    /// <summary>The level of a folder, from 0 at the bottom; -1 for a folder the order does not name.</summary>
    public int Rank(string folder)
    {
        for (int i = 0; i < Levels.Count; i++)
            if (Levels[i].Contains(folder, StringComparer.Ordinal)) return i;
        return -1;
    }

    /// <summary>What breaks the rules, one line each (empty when all is well), including exceptions nothing needs any more.</summary>
    public List<string> Check(FolderReferences assembly)
    {
        var problems = assembly.UnplacedSourceTypes.Select(t => $"type {t} has no source folder (is the PDB complete?)").ToList();
        problems.AddRange(Check(assembly.TypeFolders, assembly.References));
        return problems;
    }

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
        var seal = Seals.FirstOrDefault(s => s.Refuses(reference));
        return seal is null ? null : $"{seal.Name} is reached only from {string.Join(", ", seal.Users)}";
    }
}
