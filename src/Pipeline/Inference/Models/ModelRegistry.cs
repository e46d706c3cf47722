using System.Globalization;
using System.Security.Cryptography;

namespace HeartStream.Pipeline.Inference.Models;

/// <summary>
/// Shipped models laid out as <c>root/&lt;name&gt;/&lt;version&gt;/model.onnx + manifest.json</c>. The default version is the one
/// named in <c>root/&lt;name&gt;/current</c> if present, else the highest by numeric part-by-part order ("1.10.0" &gt; "1.9.0").
/// <see cref="Resolve"/> refuses, with a message naming the file and the problem, a missing manifest or model file,
/// a model file whose size or SHA-256 differs from the manifest (truncated, corrupt or swapped), and a manifest whose
/// feature-settings hash differs from the serving build's features.
/// </summary>
public sealed class ModelRegistry
{
    public const string CurrentFileName = "current";

    public ModelRegistry(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>Versions present for <paramref name="name"/>, lowest first; empty when none.</summary>
    public IReadOnlyList<string> Versions(string name)
    {
        string dir = NameDirectory(name);
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var versions = Directory.GetDirectories(dir).Select(Path.GetFileName).OfType<string>()
            .Where(v => File.Exists(Path.Combine(dir, v, ModelManifest.FileName))).ToList();
        versions.Sort(CompareVersions);
        return versions;
    }

    /// <summary>Whether any version of <paramref name="name"/> exists (does not validate it).</summary>
    public bool Contains(string name) => Versions(name).Count > 0;

    /// <summary>The version <see cref="Resolve"/> uses when none is given: "current", else the highest.</summary>
    public string DefaultVersion(string name)
    {
        string current = Path.Combine(NameDirectory(name), CurrentFileName);
        if (File.Exists(current))
        {
            string v = File.ReadAllText(current).Trim();
            if (v.Length > 0)
            {
                return v;
            }
        }

        IReadOnlyList<string> versions = Versions(name);
        return versions.Count > 0
            ? versions[^1]
            : throw new FileNotFoundException($"no model named '{name}' under {Root} (expected {Path.Combine(Root, name, "<version>", ModelManifest.FileName)})");
    }

    /// <summary>Finds and checks a model. <paramref name="featureSettingsHash"/> is the serving build's FeatureSettings.Hash().</summary>
    public RegisteredModel Resolve(string name, string featureSettingsHash, string? version = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(featureSettingsHash);
        version ??= DefaultVersion(name);
        string dir = Path.Combine(NameDirectory(name), version);
        string manifestPath = Path.Combine(dir, ModelManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            throw new FileNotFoundException($"model '{name}' version {version}: manifest not found at {manifestPath}", manifestPath);
        }

        ModelManifest manifest = ModelManifest.FromJson(File.ReadAllText(manifestPath), manifestPath);
        if (!string.Equals(manifest.FeatureSettingsHash, featureSettingsHash, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException(
                $"model '{name}' {version} was trained on features {Short(manifest.FeatureSettingsHash)}…, this build computes {Short(featureSettingsHash)}…; the feature code or settings changed since training, so retrain it (heartstream train {manifest.Kind})");
        }

        var model = new RegisteredModel(manifest, dir);
        var file = new FileInfo(model.ModelPath);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"model '{name}' {version}: model file {file.FullName} named by its manifest is missing", file.FullName);
        }

        if (manifest.FileSizeBytes > 0 && file.Length != manifest.FileSizeBytes)
        {
            throw new InvalidDataException($"model '{name}' {version}: {file.FullName} has {file.Length} bytes but the manifest says {manifest.FileSizeBytes}; the file is truncated or corrupt");
        }

        if (manifest.Sha256.Length > 0)
        {
            string actual = Sha256Of(file.FullName);
            if (!string.Equals(actual, manifest.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"model '{name}' {version}: {file.FullName} has SHA-256 {Short(actual)}… but the manifest says {Short(manifest.Sha256)}…; the file is corrupt or was replaced");
            }
        }

        if (model.DecoderPath is { } decoder && !File.Exists(decoder))
        {
            throw new FileNotFoundException($"model '{name}' {version}: decoder parameters {decoder} named by its manifest are missing", decoder);
        }

        return model;
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Numeric part-by-part order ("1.10" &gt; "1.9"); non-numeric parts compare ordinally after numeric ones.</summary>
    public static int CompareVersions(string? a, string? b)
    {
        string[] pa = (a ?? string.Empty).TrimStart('v').Split('.');
        string[] pb = (b ?? string.Empty).TrimStart('v').Split('.');
        for (int i = 0; i < Math.Max(pa.Length, pb.Length); i++)
        {
            string x = i < pa.Length ? pa[i] : "0";
            string y = i < pb.Length ? pb[i] : "0";
            bool nx = long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out long ix);
            bool ny = long.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out long iy);
            int c = nx && ny ? ix.CompareTo(iy) : nx ? -1 : ny ? 1 : string.CompareOrdinal(x, y);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    private string NameDirectory(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.IndexOfAny(['/', '\\']) >= 0 || name.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"model name must be a plain folder name, got '{name}'", nameof(name));
        }

        return Path.Combine(Root, name);
    }
}
