using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace DeepSharp.Tests.Layering;

/// <summary>A reference from code in one source folder to a type or member defined in another.</summary>
/// <param name="FromFolder">The folder of the code that refers.</param>
/// <param name="From">The type or member that refers ("Dense.Forward", "Tensor (field _node)").</param>
/// <param name="ToFolder">The folder of what is referred to.</param>
/// <param name="To">The type or member referred to ("Ops.MatMul", "Node").</param>
internal readonly record struct FolderReference(string FromFolder, string From, string ToFolder, string To)
{
    public override string ToString() => $"{FromFolder}/{From} -> {ToFolder}/{To}";
}

/// <summary>
/// Reads a compiled assembly and its portable PDB and lists every reference between source folders: base
/// types, interfaces, attributes, generic constraints, field, property, event and method signatures, locals,
/// and every type, method and field token in the method bodies (IL). Where code lives comes from the PDB:
/// a method's folder from its sequence points' documents, a type's from its methods and from the PDB's
/// type-definition documents (which place enums, interfaces and delegates). A type whose parts sit in several
/// folders (a partial class) has as home the lowest of them; its methods keep their own folders.
/// Compiler-generated types without source of their own (anonymous types, inline arrays, private
/// implementation details) have no folder and are ignored, except nested ones, which take their enclosing
/// type's folder.
/// </summary>
internal sealed class FolderReferences
{
    private static readonly Guid TypeDefinitionDocumentsKind = new("932E74BC-DBA9-4478-8D46-0F32A7BAB3D3");

    private readonly PEReader _pe;
    private readonly MetadataReader _md;
    private readonly MetadataReader _pdb;
    private readonly Func<string, string?> _folderOfDocument;
    private readonly Func<string, int> _rank;
    private readonly Dictionary<TypeDefinitionHandle, string?> _typeHomes = [];
    private readonly Dictionary<MethodDefinitionHandle, string?> _methodFolders = [];
    private readonly Dictionary<DocumentHandle, string?> _documentFolders = [];
    private readonly HashSet<FolderReference> _references = [];
    private readonly TypeCollector _collector = new();

    private FolderReferences(PEReader pe, MetadataReader pdb, Func<string, string?> folderOfDocument, Func<string, int> rank)
    {
        _pe = pe;
        _md = pe.GetMetadataReader();
        _pdb = pdb;
        _folderOfDocument = folderOfDocument;
        _rank = rank;
    }

    /// <summary>Every type defined in the assembly, by name, with its home folder (null: not placed).</summary>
    public Dictionary<string, string?> TypeFolders { get; } = new(StringComparer.Ordinal);

    /// <summary>Types written in source (not made by the compiler) that no source folder holds: a sign that placing failed.</summary>
    public List<string> UnplacedSourceTypes { get; } = [];

    /// <summary>The references between different folders, each once.</summary>
    public IReadOnlyCollection<FolderReference> References => _references;

    /// <summary>
    /// Reads <paramref name="assemblyPath"/> (its PDB beside it or embedded). <paramref name="folderOfDocument"/>
    /// maps a source file's path to its folder (null: outside the folders checked); <paramref name="rank"/>
    /// orders folders, to pick the home of a type with parts in several.
    /// </summary>
    public static FolderReferences Read(string assemblyPath, Func<string, string?> folderOfDocument, Func<string, int> rank)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.TryOpenAssociatedPortablePdb(assemblyPath, path => File.Exists(path) ? File.OpenRead(path) : null, out var provider, out _) || provider is null)
            throw new InvalidOperationException($"No portable PDB found for '{assemblyPath}': the layering check places types by their source files.");
        using (provider)
        {
            var result = new FolderReferences(pe, provider.GetMetadataReader(), folderOfDocument, rank);
            result.Collect();
            return result;
        }
    }

    private void Collect()
    {
        foreach (var type in _md.TypeDefinitions)
        {
            var home = TypeHome(type);
            TypeFolders[TypeName(type)] = home;
            if (home is null && !IsGenerated(type)) UnplacedSourceTypes.Add(TypeName(type));
        }
        foreach (var type in _md.TypeDefinitions) CollectType(type);
    }

    /// <summary>Whether the compiler made the type (a closure, an anonymous type, an embedded attribute, the module type).</summary>
    private bool IsGenerated(TypeDefinitionHandle handle)
    {
        var type = _md.GetTypeDefinition(handle);
        if (_md.GetString(type.Name).StartsWith('<')) return true;
        foreach (var a in type.GetCustomAttributes())
        {
            var constructor = _md.GetCustomAttribute(a).Constructor;
            if (constructor.Kind != HandleKind.MemberReference) continue;
            var parent = _md.GetMemberReference((MemberReferenceHandle)constructor).Parent;
            if (parent.Kind == HandleKind.TypeReference &&
                _md.GetString(_md.GetTypeReference((TypeReferenceHandle)parent).Name) is "CompilerGeneratedAttribute" or "EmbeddedAttribute")
                return true;
        }
        return type.IsNested && IsGenerated(type.GetDeclaringType());
    }

    // ---- where code lives ------------------------------------------------------------------------------

    private string? DocumentFolder(DocumentHandle document)
    {
        if (!_documentFolders.TryGetValue(document, out var folder))
            _documentFolders[document] = folder = _folderOfDocument(_pdb.GetString(_pdb.GetDocument(document).Name).Replace('\\', '/'));
        return folder;
    }

    private string? Lowest(IEnumerable<string?> folders) =>
        folders.OfType<string>().Distinct().OrderBy(_rank).ThenBy(f => f, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>The folder of a method's source (the lowest when its sequence points span several), null without source.</summary>
    private string? MethodFolder(MethodDefinitionHandle method)
    {
        if (_methodFolders.TryGetValue(method, out var folder)) return folder;
        var debug = _pdb.GetMethodDebugInformation(method.ToDebugInformationHandle());
        var folders = new List<string?>();
        if (!debug.SequencePointsBlob.IsNil)
            foreach (var point in debug.GetSequencePoints())
                if (!point.IsHidden) folders.Add(DocumentFolder(point.Document));
        return _methodFolders[method] = Lowest(folders);
    }

    private string? TypeHome(TypeDefinitionHandle handle)
    {
        if (_typeHomes.TryGetValue(handle, out var home)) return home;
        _typeHomes[handle] = null; // guards against cycles while nested types ask their enclosing type
        var type = _md.GetTypeDefinition(handle);
        var folders = type.GetMethods().Select(MethodFolder).ToList();
        foreach (var info in _pdb.GetCustomDebugInformation(handle))
        {
            var debug = _pdb.GetCustomDebugInformation(info);
            if (_pdb.GetGuid(debug.Kind) != TypeDefinitionDocumentsKind) continue;
            var blob = _pdb.GetBlobReader(debug.Value);
            while (blob.RemainingBytes > 0) folders.Add(DocumentFolder(MetadataTokens.DocumentHandle(blob.ReadCompressedInteger())));
        }
        home = Lowest(folders);
        if (home is null && type.IsNested) home = TypeHome(type.GetDeclaringType());
        return _typeHomes[handle] = home;
    }

    // ---- names -----------------------------------------------------------------------------------------

    private string TypeName(TypeDefinitionHandle handle)
    {
        var type = _md.GetTypeDefinition(handle);
        string name = _md.GetString(type.Name);
        return type.IsNested ? TypeName(type.GetDeclaringType()) + "+" + name : name;
    }

    private string MethodName(MethodDefinitionHandle handle)
    {
        var method = _md.GetMethodDefinition(handle);
        return TypeName(method.GetDeclaringType()) + "." + _md.GetString(method.Name);
    }

    private string FieldName(FieldDefinitionHandle handle)
    {
        var field = _md.GetFieldDefinition(handle);
        return TypeName(field.GetDeclaringType()) + "." + _md.GetString(field.Name);
    }

    // ---- what code refers to ---------------------------------------------------------------------------

    private void CollectType(TypeDefinitionHandle handle)
    {
        var type = _md.GetTypeDefinition(handle);
        string? home = TypeHome(handle);
        if (home is null) return;
        string name = TypeName(handle);

        Site site = new(this, home, name);
        site.Entity(type.BaseType, " (base type)");
        foreach (var i in type.GetInterfaceImplementations()) site.Entity(_md.GetInterfaceImplementation(i).Interface, " (interface)");
        site.Attributes(type.GetCustomAttributes());
        site.GenericParameters(type.GetGenericParameters());
        foreach (var f in type.GetFields())
        {
            var field = _md.GetFieldDefinition(f);
            var fieldSite = new Site(this, home, $"{name} (field {_md.GetString(field.Name)})");
            fieldSite.Types(field.DecodeSignature(_collector, null));
            fieldSite.Attributes(field.GetCustomAttributes());
        }
        foreach (var p in type.GetProperties())
        {
            var property = _md.GetPropertyDefinition(p);
            var accessors = property.GetAccessors();
            var accessor = accessors.Getter.IsNil ? accessors.Setter : accessors.Getter;
            string folder = (accessor.IsNil ? null : MethodFolder(accessor)) ?? home;
            var propertySite = new Site(this, folder, $"{name}.{_md.GetString(property.Name)}");
            propertySite.Types(property.DecodeSignature(_collector, null));
            propertySite.Attributes(property.GetCustomAttributes());
        }
        foreach (var e in type.GetEvents())
        {
            var ev = _md.GetEventDefinition(e);
            new Site(this, home, $"{name}.{_md.GetString(ev.Name)}").Entity(ev.Type, " (event)");
        }
        foreach (var m in type.GetMethodImplementations())
        {
            var impl = _md.GetMethodImplementation(m);
            site.Entity(impl.MethodDeclaration, " (implements)");
        }
        foreach (var m in type.GetMethods()) CollectMethod(m, home);
    }

    private void CollectMethod(MethodDefinitionHandle handle, string typeHome)
    {
        var method = _md.GetMethodDefinition(handle);
        var site = new Site(this, MethodFolder(handle) ?? typeHome, MethodName(handle));
        site.Types(method.DecodeSignature(_collector, null));
        site.Attributes(method.GetCustomAttributes());
        site.GenericParameters(method.GetGenericParameters());
        foreach (var p in method.GetParameters()) site.Attributes(_md.GetParameter(p).GetCustomAttributes());
        if (method.RelativeVirtualAddress == 0) return;
        var body = Body(handle);
        if (!body.LocalSignature.IsNil) site.Entity(body.LocalSignature, " (locals)");
        foreach (var region in body.ExceptionRegions)
            if (!region.CatchType.IsNil) site.Entity(region.CatchType, " (catch)");
        foreach (var token in IlTokens(body.GetILReader())) site.Entity(MetadataTokens.EntityHandle(token), "");
    }

    private MethodBodyBlock Body(MethodDefinitionHandle handle) => _pe.GetMethodBody(_md.GetMethodDefinition(handle).RelativeVirtualAddress);

    /// <summary>The metadata tokens that IL instructions carry (types, methods, fields, signatures).</summary>
    private static IEnumerable<int> IlTokens(BlobReader il)
    {
        var tokens = new List<int>();
        while (il.RemainingBytes > 0)
        {
            int code = il.ReadByte();
            var operand = code == 0xFE ? TwoByteOperands[il.ReadByte()] : OneByteOperands[code];
            switch (operand)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType or OperandType.InlineSig:
                    tokens.Add(il.ReadInt32());
                    break;
                case OperandType.InlineSwitch:
                    int targets = il.ReadInt32(); // read first: `Offset +=` would take the offset before this read
                    il.Offset += 4 * targets;
                    break;
                default:
                    il.Offset += OperandSize(operand);
                    break;
            }
        }
        return tokens;
    }

    private static int OperandSize(OperandType operand) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };

    private static readonly OperandType[] OneByteOperands = OperandTable(twoByte: false);
    private static readonly OperandType[] TwoByteOperands = OperandTable(twoByte: true);

    private static OperandType[] OperandTable(bool twoByte)
    {
        var table = new OperandType[256];
        foreach (var field in typeof(OpCodes).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            if ((code.Size == 2) == twoByte) table[(ushort)code.Value & 0xFF] = code.OperandType;
        }
        return table;
    }

    // ---- resolving what a token or handle stands for ---------------------------------------------------

    /// <summary>Code in one folder, recording what it refers to.</summary>
    private readonly struct Site(FolderReferences owner, string folder, string name)
    {
        public void Entity(EntityHandle handle, string role)
        {
            if (handle.IsNil) return;
            var md = owner._md;
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    var type = (TypeDefinitionHandle)handle;
                    Add(owner.TypeHome(type), owner.TypeName(type), role);
                    break;
                case HandleKind.TypeSpecification:
                    Types(md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(owner._collector, null), role);
                    break;
                case HandleKind.MethodDefinition:
                    var method = (MethodDefinitionHandle)handle;
                    Add(owner.MethodFolder(method) ?? owner.TypeHome(md.GetMethodDefinition(method).GetDeclaringType()), owner.MethodName(method), role);
                    break;
                case HandleKind.FieldDefinition:
                    var field = (FieldDefinitionHandle)handle;
                    Add(owner.TypeHome(md.GetFieldDefinition(field).GetDeclaringType()), owner.FieldName(field), role);
                    break;
                case HandleKind.MemberReference:
                    var member = md.GetMemberReference((MemberReferenceHandle)handle);
                    Entity(member.Parent, role);
                    if (member.GetKind() == MemberReferenceKind.Method) Types(member.DecodeMethodSignature(owner._collector, null), role);
                    else Types(member.DecodeFieldSignature(owner._collector, null), role);
                    break;
                case HandleKind.MethodSpecification:
                    var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Entity(spec.Method, role);
                    Types(spec.DecodeSignature(owner._collector, null), role);
                    break;
                case HandleKind.StandaloneSignature:
                    var signature = md.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                    if (signature.GetKind() == StandaloneSignatureKind.LocalVariables) Types(signature.DecodeLocalSignature(owner._collector, null), role);
                    else Types(signature.DecodeMethodSignature(owner._collector, null), role);
                    break;
            }
        }

        public void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var a in attributes) Entity(owner._md.GetCustomAttribute(a).Constructor, " (attribute)");
        }

        public void GenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (var p in parameters)
                foreach (var c in owner._md.GetGenericParameter(p).GetConstraints())
                    Entity(owner._md.GetGenericParameterConstraint(c).Type, " (constraint)");
        }

        public void Types(TypeList found, string role = "") => Types(found.Items, role);

        public void Types(MethodSignature<TypeList> signature, string role = "")
        {
            Types(signature.ReturnType, role);
            foreach (var p in signature.ParameterTypes) Types(p, role);
        }

        public void Types(ImmutableArray<TypeList> found, string role = "")
        {
            foreach (var list in found) Types(list, role);
        }

        private void Types(IEnumerable<EntityHandle> handles, string role)
        {
            foreach (var handle in handles) Entity(handle, role);
        }

        private void Add(string? toFolder, string to, string role)
        {
            if (toFolder is null || toFolder == folder) return;
            owner._references.Add(new FolderReference(folder, name, toFolder, to + role));
        }
    }

    /// <summary>The types a signature names (definitions and specifications; references to other assemblies are left out).</summary>
    internal sealed class TypeList(params EntityHandle[] items)
    {
        public static readonly TypeList Empty = new();

        public IEnumerable<EntityHandle> Items => items;

        public TypeList With(TypeList other) => other.Items.Any() ? new TypeList([.. items, .. other.Items]) : this;
    }

    /// <summary>Decodes signatures into the own-assembly types they mention.</summary>
    private sealed class TypeCollector : ISignatureTypeProvider<TypeList, object?>
    {
        public TypeList GetPrimitiveType(PrimitiveTypeCode typeCode) => TypeList.Empty;
        public TypeList GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => new(handle);
        public TypeList GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => TypeList.Empty;
        public TypeList GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => new(handle);
        public TypeList GetSZArrayType(TypeList elementType) => elementType;
        public TypeList GetArrayType(TypeList elementType, ArrayShape shape) => elementType;
        public TypeList GetByReferenceType(TypeList elementType) => elementType;
        public TypeList GetPointerType(TypeList elementType) => elementType;
        public TypeList GetPinnedType(TypeList elementType) => elementType;
        public TypeList GetModifiedType(TypeList modifier, TypeList unmodifiedType, bool isRequired) => unmodifiedType.With(modifier);
        public TypeList GetGenericInstantiation(TypeList genericType, ImmutableArray<TypeList> typeArguments) =>
            typeArguments.Aggregate(genericType, (all, argument) => all.With(argument));
        public TypeList GetGenericTypeParameter(object? genericContext, int index) => TypeList.Empty;
        public TypeList GetGenericMethodParameter(object? genericContext, int index) => TypeList.Empty;
        public TypeList GetFunctionPointerType(MethodSignature<TypeList> signature) =>
            signature.ParameterTypes.Aggregate(signature.ReturnType, (all, parameter) => all.With(parameter));
    }
}
