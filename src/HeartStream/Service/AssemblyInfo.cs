using System.Runtime.CompilerServices;

// The CLI tests build the run host directly to check configuration precedence and start-up validation.
[assembly: InternalsVisibleTo("HeartStream.Cli.Tests")]
