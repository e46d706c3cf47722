using System.CommandLine;
using HeartStream.Commands;

var root = new RootCommand("HeartStream: finds S1/S2 heart sounds, heart rate and rhythm in phonocardiogram audio.");
root.Subcommands.Add(AnalyzeCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(SimulateCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ModelsCommand.Create());
root.Subcommands.Add(WebPasswordCommand.Create());
return await root.Parse(args).InvokeAsync();
