using HeartStream.Pipeline.Inference.Models;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Live;

/// <summary>
/// A temporary model registry for hot-reload tests: one shipped model copied as version 1.0.0 (current, whatever its shipped version), and new
/// versions published from it — the same real network under another version, or with one byte of the network flipped
/// (a corrupt file the registry's SHA-256 check must refuse).
/// </summary>
internal sealed class RegistryCopy : IDisposable
{
    public RegistryCopy(string name)
    {
        Name = name;
        Root = Path.Combine(Path.GetTempPath(), "heartstream-registry-copy-" + Guid.NewGuid().ToString("N"));
        string shipped = new ModelRegistry(RepoPaths.Models).DefaultVersion(name);
        Copy(Path.Combine(RepoPaths.Models, name, shipped), Path.Combine(Root, name, "1.0.0"));
        Renumber(Path.Combine(Root, name, "1.0.0"), shipped, "1.0.0");
        File.WriteAllText(Path.Combine(Root, name, ModelRegistry.CurrentFileName), "1.0.0\n");
    }

    public string Name { get; }

    public string Root { get; }

    public ModelRegistry Registry => new(Root);

    /// <summary>Adds <paramref name="version"/> (a copy of 1.0.0, optionally corrupt); makes it current when asked.</summary>
    public void Publish(string version, bool corrupt, bool makeCurrent)
    {
        string to = Path.Combine(Root, Name, version);
        Copy(Path.Combine(Root, Name, "1.0.0"), to);
        Renumber(to, "1.0.0", version);
        if (corrupt)
        {
            string model = Path.Combine(to, "model.onnx");
            byte[] bytes = File.ReadAllBytes(model);
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(model, bytes);
        }

        if (makeCurrent)
        {
            File.WriteAllText(Path.Combine(Root, Name, ModelRegistry.CurrentFileName), version + "\n");
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private static void Renumber(string folder, string from, string to)
    {
        string manifest = Path.Combine(folder, ModelManifest.FileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace($"\"version\": \"{from}\"", $"\"version\": \"{to}\"", StringComparison.Ordinal));
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
