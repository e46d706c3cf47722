namespace HeartStream.Hosting;

/// <summary>
/// Readiness made of named conditions that parts of the service report independently (e.g. "models" once loaded,
/// "broker" while connected). Ready only when every condition is met; otherwise the reason names the unmet ones.
/// </summary>
public sealed class ReadinessGate
{
    private readonly string[] _names;
    private readonly int[] _met;

    /// <summary>Creates a gate with the given conditions, all initially unmet.</summary>
    public ReadinessGate(params string[] conditions)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (conditions.Length == 0 || conditions.Any(string.IsNullOrWhiteSpace) || conditions.Distinct(StringComparer.Ordinal).Count() != conditions.Length)
        {
            throw new ArgumentException("Readiness conditions must be one or more distinct, non-empty names.", nameof(conditions));
        }

        _names = [.. conditions];
        _met = new int[conditions.Length];
    }

    /// <summary>Marks a condition met or unmet.</summary>
    /// <exception cref="ArgumentException">Unknown condition.</exception>
    public void Set(string condition, bool met)
    {
        int index = Array.IndexOf(_names, condition);
        if (index < 0)
        {
            throw new ArgumentException($"Unknown readiness condition '{condition}'; known: {string.Join(", ", _names)}.", nameof(condition));
        }

        Volatile.Write(ref _met[index], met ? 1 : 0);
    }

    /// <summary>The current status; usable directly as the readiness callback of <see cref="MetricsServer"/>.</summary>
    public ReadinessStatus Check()
    {
        List<string>? unmet = null;
        for (int i = 0; i < _names.Length; i++)
        {
            if (Volatile.Read(ref _met[i]) == 0)
            {
                (unmet ??= []).Add(_names[i]);
            }
        }

        return unmet is null ? ReadinessStatus.Ready : ReadinessStatus.NotReady("waiting for: " + string.Join(", ", unmet));
    }
}
