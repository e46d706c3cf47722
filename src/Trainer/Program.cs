using System.CommandLine;
using HeartStream.Trainer.Commands;

var root = new RootCommand("heartstream-train: trains HeartStream's models with TorchSharp and exports them to ONNX (docs/training.md).");
root.Subcommands.Add(SegmenterCommand.Create());
root.Subcommands.Add(MurmurCommand.Create());
root.Subcommands.Add(AbnormalCommand.Create());
root.Subcommands.Add(PascalCommand.Create());
return await root.Parse(args).InvokeAsync();
