namespace DeepSharp.Cli.Commands;

/// <summary>One <c>deepsharp</c> command.</summary>
public interface ICommand
{
    /// <summary>The word that selects it.</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>Its usage text and options.</summary>
    string Help { get; }

    /// <summary>Runs it; returns the exit code. Throws <see cref="UsageException"/> for bad options.</summary>
    int Run(CommandLine options, TextWriter output);
}
