using System.Runtime.CompilerServices;

// The telemetry tests check ChildCache's cardinality bound on a collector of their own registry.
[assembly: InternalsVisibleTo("HeartStream.Pipeline.Tests")]
