using System.CommandLine;
using HeartStream.Pipeline.Features;
using HeartStream.Pipeline.Inference.Models;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream models list</c> shows every registered model (versions, current, kind, whether it fits this build's
/// features); <c>heartstream models promote NAME VERSION</c> checks a version like serving would and only then makes it
/// the default by writing <c>NAME/current</c> atomically, so a bad model can never become current.
/// </summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var list = new Command("list", "List the registered models: versions, current version, kind and whether the feature hash matches this build.");
        Option<DirectoryInfo> listModels = ModelsOption();
        list.Options.Add(listModels);
        list.SetAction(parse => List(parse.GetValue(listModels)!.FullName));

        var name = new Argument<string>("NAME") { Description = "Model name (a folder of the registry)." };
        var version = new Argument<string>("VERSION") { Description = "Version to make current." };
        var promote = new Command("promote", "Validate a model version and make it the current (default) version.") { name, version };
        Option<DirectoryInfo> promoteModels = ModelsOption();
        promote.Options.Add(promoteModels);
        promote.SetAction(parse => Promote(parse.GetValue(promoteModels)!.FullName, parse.GetValue(name)!, parse.GetValue(version)!));

        return new Command("models", "Inspect the model registry and promote versions.") { list, promote };
    }

    private static Option<DirectoryInfo> ModelsOption() => new("--models")
    {
        Description = "Model registry folder (default: models/ next to the executable).",
        DefaultValueFactory = _ => new DirectoryInfo(DefaultPaths.Models),
    };

    private static int List(string root)
    {
        if (!Directory.Exists(root))
        {
            Console.Error.WriteLine($"error: model registry {root} not found");
            return 2;
        }

        var registry = new ModelRegistry(root);
        string hash = FeatureSettings.Default.Hash();
        string[] names = [.. Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Where(registry.Contains)];
        Array.Sort(names, StringComparer.Ordinal);
        Console.WriteLine($"{"NAME",-22} {"CURRENT",-10} {"KIND",-22} {"VERSIONS",-20} STATUS");
        foreach (string n in names)
        {
            string current = registry.DefaultVersion(n);
            string kind = "?";
            string status;
            try
            {
                RegisteredModel model = registry.Resolve(n, hash, current);
                kind = model.Manifest.Kind;
                status = "ok (feature hash matches)";
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
            {
                status = "BAD: " + e.Message;
            }

            Console.WriteLine($"{n,-22} {current,-10} {kind,-22} {string.Join(",", registry.Versions(n)),-20} {status}");
        }

        return 0;
    }

    private static int Promote(string root, string name, string version)
    {
        var registry = new ModelRegistry(root);
        try
        {
            IReadOnlyList<string> versions = registry.Versions(name);
            if (!versions.Contains(version, StringComparer.Ordinal))
            {
                string known = versions.Count == 0 ? "no versions" : "versions " + string.Join(", ", versions);
                Console.Error.WriteLine($"error: model '{name}' has no version '{version}' under {registry.Root} ({known})");
                return 2;
            }

            registry.Resolve(name, FeatureSettings.Default.Hash(), version);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
        {
            Console.Error.WriteLine($"error: not promoting {name} {version}: {e.Message}");
            return 2;
        }

        string current = Path.Combine(registry.Root, name, ModelRegistry.CurrentFileName);
        string temp = current + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, version + "\n");
        File.Move(temp, current, overwrite: true);
        Console.WriteLine($"{name}: current version is now {version}");
        return 0;
    }
}
