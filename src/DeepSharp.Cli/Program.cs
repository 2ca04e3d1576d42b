using DeepSharp.Cli;
using DeepSharp.Cli.Commands;

return CommandRunner.Run(args, Console.Out, Console.Error);
