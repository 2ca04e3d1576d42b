// Checks that the docs site has a page for every public type of the given assemblies (docfx names a type's page
// after its full name: DeepSharp.Dense.html, DeepSharp.Autograd.NoGradScope.html for a nested type).
// Reads the assemblies' metadata only, so their dependencies need not be found.
// Usage: dotnet run tools/check-api-pages.cs -- SITE_API_DIR ASSEMBLY.dll...
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: check-api-pages SITE_API_DIR ASSEMBLY.dll...");
    return 2;
}
var siteApi = args[0];
int types = 0;
var missing = new List<string>();
foreach (var assembly in args.Skip(1))
{
    using var stream = File.OpenRead(assembly);
    using var pe = new PEReader(stream);
    var reader = pe.GetMetadataReader();
    foreach (var handle in reader.TypeDefinitions)
    {
        var type = reader.GetTypeDefinition(handle);
        if (!IsPublic(reader, type)) continue;
        var name = FullName(reader, type);
        if (name.Contains('<')) continue;      // compiler-generated (the groupings of C# 14 extension blocks)
        types++;
        var page = Path.Combine(siteApi, name.Replace('`', '-') + ".html");
        if (!File.Exists(page)) missing.Add($"{name} ({Path.GetFileName(assembly)}): no {page}");
    }
}
foreach (var line in missing) Console.Error.WriteLine("missing API page: " + line);
Console.WriteLine($"API pages: {types - missing.Count} of {types} public types");
return missing.Count == 0 && types > 0 ? 0 : 1;

static bool IsPublic(MetadataReader reader, TypeDefinition type)
{
    var visibility = type.Attributes & TypeAttributes.VisibilityMask;
    if (visibility == TypeAttributes.Public) return true;
    if (visibility != TypeAttributes.NestedPublic) return false;
    return IsPublic(reader, reader.GetTypeDefinition(type.GetDeclaringType()));
}

static string FullName(MetadataReader reader, TypeDefinition type)
{
    var name = reader.GetString(type.Name);
    var declaring = type.GetDeclaringType();
    if (!declaring.IsNil) return FullName(reader, reader.GetTypeDefinition(declaring)) + "." + name;
    var space = reader.GetString(type.Namespace);
    return space.Length == 0 ? name : space + "." + name;
}
