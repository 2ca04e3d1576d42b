namespace DeepSharp.Cli;

/// <summary>Bad command-line usage: the message says what was wrong and what was expected (exit code 2, with the help).</summary>
public sealed class UsageException(string message) : Exception(message);
