using System.Text;

namespace HeartStream.Pipeline.Mqtt.Sharding;

/// <summary>
/// Which shard a device is on and which instance owns a shard (docs/architecture.md, "Scale-out"). A device's shard is
/// FNV-1a (32-bit) of its id's UTF-8 bytes modulo the shard count: gateways compute it too, so it must never change
/// for a given shard count (docs/mqtt.md gives test vectors). A shard's owner is the live member with the highest
/// rendezvous score (FNV-1a 64 of "member/shard", finalised with the SplitMix64 mixer), so every instance computes the
/// same owners from the same member list without talking to the others, and a member joining or leaving moves only
/// the shards it gains or held (about 1/N of them).
/// </summary>
public static class ShardMap
{
    /// <summary>Shard count when sharding is on and none is configured.</summary>
    public const int DefaultShards = 128;

    /// <summary>The shard of <paramref name="deviceId"/> among <paramref name="shards"/>.</summary>
    public static int ShardOf(string deviceId, int shards)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        return (int)(Fnv1a32(deviceId) % (uint)shards);
    }

    /// <summary>FNV-1a, 32 bits, over the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static uint Fnv1a32(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        uint hash = 2166136261;
        Span<byte> buffer = stackalloc byte[4];
        foreach (Rune rune in text.EnumerateRunes())
        {
            int n = rune.EncodeToUtf8(buffer);
            for (int i = 0; i < n; i++)
            {
                hash = (hash ^ buffer[i]) * 16777619;
            }
        }

        return hash;
    }

    /// <summary>The rendezvous score of <paramref name="member"/> for <paramref name="shard"/>.</summary>
    public static ulong Score(string member, int shard)
    {
        ArgumentNullException.ThrowIfNull(member);
        ulong hash = 14695981039346656037;
        foreach (byte b in Encoding.UTF8.GetBytes(member + "/" + shard.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            hash = (hash ^ b) * 1099511628211;
        }

        // SplitMix64 finaliser: FNV's low bits mix poorly on short, similar keys.
        hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9;
        hash = (hash ^ (hash >> 27)) * 0x94D049BB133111EB;
        return hash ^ (hash >> 31);
    }

    /// <summary>The owner of <paramref name="shard"/> among <paramref name="members"/> (ties by ordinal name); null when there are none.</summary>
    public static string? OwnerOf(int shard, IEnumerable<string> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        string? best = null;
        ulong bestScore = 0;
        foreach (string m in members)
        {
            ulong s = Score(m, shard);
            if (best is null || s > bestScore || (s == bestScore && string.CompareOrdinal(m, best) < 0))
            {
                (best, bestScore) = (m, s);
            }
        }

        return best;
    }

    /// <summary>The shards of <paramref name="shards"/> that <paramref name="instance"/> owns when <paramref name="members"/> are live (the instance counts as live).</summary>
    public static IReadOnlySet<int> OwnedBy(string instance, IReadOnlyCollection<string> members, int shards)
    {
        ArgumentException.ThrowIfNullOrEmpty(instance);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        string[] all = [.. members.Append(instance).Distinct(StringComparer.Ordinal)];
        var owned = new SortedSet<int>();
        for (int s = 0; s < shards; s++)
        {
            if (OwnerOf(s, all) == instance)
            {
                owned.Add(s);
            }
        }

        return owned;
    }
}
