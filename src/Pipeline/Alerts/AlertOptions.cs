namespace HeartStream.Pipeline.Alerts;

/// <summary>
/// Configuration of the alert engine (section "Alerts"): which profile each device uses, plus custom profiles.
/// Built-in profile names are "adult", "paediatric" and the age groups "neonate", "infant", "child", "adolescent"; a custom profile with the same name replaces the built-in.
/// </summary>
public sealed class AlertOptions
{
    /// <summary>Configuration section bound to this class.</summary>
    public const string SectionName = "Alerts";

    /// <summary>Profile name for devices not listed in <see cref="DeviceProfiles"/>.</summary>
    public string DefaultProfile { get; set; } = "adult";

    /// <summary>Device id → profile name.</summary>
    public Dictionary<string, string> DeviceProfiles { get; } = new(StringComparer.Ordinal);

    /// <summary>Profile name → custom profile (each validated).</summary>
    public Dictionary<string, AlertProfile> Profiles { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Text prepended to every alert id, e.g. a service start epoch, so ids stay unique across restarts.</summary>
    public string AlertIdPrefix { get; set; } = "";

    /// <summary>The profile a device uses; throws when the configured name is unknown.</summary>
    public AlertProfile Resolve(string deviceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        string name = DeviceProfiles.TryGetValue(deviceId, out string? n) ? n : DefaultProfile;
        return ResolveName(name)
            ?? throw new ArgumentException($"Device '{deviceId}' uses alert profile '{name}', which is neither built in (adult, paediatric, neonate, infant, child, adolescent) nor configured under {SectionName}:Profiles.");
    }

    /// <summary>Every configuration problem, as full sentences; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach ((string name, AlertProfile profile) in Profiles)
        {
            foreach (string e in profile.Validate())
            {
                errors.Add($"{SectionName}:Profiles:{name}: {e}");
            }
        }

        if (ResolveName(DefaultProfile) is null)
        {
            errors.Add($"{SectionName}:DefaultProfile '{DefaultProfile}' is not a known profile.");
        }

        foreach ((string device, string name) in DeviceProfiles)
        {
            if (ResolveName(name) is null)
            {
                errors.Add($"{SectionName}:DeviceProfiles:{device} names unknown profile '{name}'.");
            }
        }

        return errors;
    }

    private AlertProfile? ResolveName(string name)
    {
        if (Profiles.TryGetValue(name, out AlertProfile? custom))
        {
            return custom;
        }

        return name.ToUpperInvariant() switch
        {
            "ADULT" => AlertProfile.CreateAdult(),
            "PAEDIATRIC" or "PEDIATRIC" => AlertProfile.CreatePaediatric(),
            "NEONATE" => AlertProfile.CreateNeonate(),
            "INFANT" => AlertProfile.CreateInfant(),
            "CHILD" => AlertProfile.CreateChild(),
            "ADOLESCENT" => AlertProfile.CreateAdolescent(),
            _ => null,
        };
    }
}
