namespace DeepSharp.Tests.Layering.Samples;

// A small "upper layer" for the layering checker's own test: Bottom/ refers to these in every way a library
// can, and LayeringTests checks that the checker sees each of them. Nothing here refers to Bottom/.

/// <summary>A class with a method, a field and a constructor to be referred to.</summary>
internal class TopThing
{
    internal int Field;

    internal static int Value() => 1;
}

/// <summary>An interface (it has no method body, so only the PDB's type documents place it).</summary>
internal interface ITopThing
{
}

/// <summary>An enum, placed the same way.</summary>
internal enum TopKind
{
    One,
}

/// <summary>An attribute.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class TopAttribute : Attribute
{
}
