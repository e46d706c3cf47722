using HeartStream.Pipeline.Mqtt.Sharding;
using HeartStream.Pipeline.Protocol;

namespace HeartStream.Pipeline.Tests.Mqtt.Sharding;

/// <summary>The shard of a device (gateways compute it too) and the rendezvous owner of a shard.</summary>
public sealed class ShardMapTests
{
    // FNV-1a 32-bit reference values (Fowler/Noll/Vo test suite) and the ids of docs/mqtt.md.
    [Theory]
    [InlineData("", 0x811C9DC5u)]
    [InlineData("a", 0xE40C292Cu)]
    [InlineData("foobar", 0xBF9CF968u)]
    public void Fnv1a32_ReferenceVectors(string text, uint expected) => Assert.Equal(expected, ShardMap.Fnv1a32(text));

    [Fact]
    public void ShardOf_IsFnvModShards_AndUsesUtf8()
    {
        Assert.Equal((int)(ShardMap.Fnv1a32("sim-0001") % 128), ShardMap.ShardOf("sim-0001", 128));
        Assert.Equal((int)(0xE40C292Cu % 128), ShardMap.ShardOf("a", 128));
        uint utf8 = 2166136261;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes("bett-ü-7"))
        {
            utf8 = (utf8 ^ b) * 16777619;
        }

        Assert.Equal(utf8, ShardMap.Fnv1a32("bett-ü-7"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardMap.ShardOf("a", 0));
    }

    [Fact]
    public void OwnedBy_EveryShardHasExactlyOneOwnerAndTheSplitIsFair()
    {
        string[] members = ["hs-a", "hs-b", "hs-c"];
        IReadOnlySet<int>[] owned = [.. members.Select(m => ShardMap.OwnedBy(m, members, 128))];

        Assert.Equal(128, owned.Sum(o => o.Count));
        Assert.Equal(Enumerable.Range(0, 128), owned.SelectMany(o => o).Order());
        Assert.All(owned, o => Assert.InRange(o.Count, 128 / 3 - 16, 128 / 3 + 16));
        Assert.Equal(Enumerable.Range(0, 128), ShardMap.OwnedBy("alone", [], 128).Order());
    }

    [Fact]
    public void OwnedBy_AFourthMemberTakesAboutAQuarterAndOnlyItMoves()
    {
        string[] three = ["hs-a", "hs-b", "hs-c"];
        string[] four = [.. three, "hs-d"];
        const int shards = 128;
        int moved = 0;
        for (int s = 0; s < shards; s++)
        {
            string before = ShardMap.OwnerOf(s, three)!, after = ShardMap.OwnerOf(s, four)!;
            if (before != after)
            {
                moved++;
                Assert.Equal("hs-d", after); // a join moves shards to the newcomer only
            }
        }

        Assert.InRange(moved, shards / 4 - 14, shards / 4 + 14);
    }

    [Fact]
    public void OwnerOf_AMemberLeaving_MovesOnlyItsShards()
    {
        string[] four = ["hs-a", "hs-b", "hs-c", "hs-d"];
        string[] without = ["hs-a", "hs-c", "hs-d"];
        for (int s = 0; s < 64; s++)
        {
            string before = ShardMap.OwnerOf(s, four)!;
            if (before != "hs-b")
            {
                Assert.Equal(before, ShardMap.OwnerOf(s, without));
            }
        }

        Assert.Null(ShardMap.OwnerOf(0, []));
    }

    [Theory]
    [InlineData("heartstream/v1/shards/17/devices/bed-4/audio", true, 17, "bed-4")]
    [InlineData("heartstream/v1/shards/x/devices/bed-4/audio", false, -1, null)]
    [InlineData("heartstream/v1/shards/17/devices//audio", false, -1, null)]
    [InlineData("heartstream/v1/shards/17/devices/a/b/audio", false, -1, null)]
    [InlineData("heartstream/v1/devices/bed-4/audio", false, -1, null)]
    [InlineData("heartstream/v1/shards/-1/devices/bed-4/audio", false, -1, null)]
    public void TryGetShardAudio_ParsesOnlyShardAudioTopics(string topic, bool ok, int shard, string? device)
    {
        Assert.Equal(ok, MqttTopics.TryGetShardAudio(topic, out int s, out string? d));
        Assert.Equal(shard, s);
        Assert.Equal(device, d);
        if (ok)
        {
            Assert.Equal(topic, MqttTopics.ShardAudio(s, d!));
        }
    }

    [Theory]
    [InlineData("heartstream/v1/service/hs-a/status", "hs-a")]
    [InlineData("heartstream/v1/service//status", null)]
    [InlineData("heartstream/v1/service/a/b/status", null)]
    [InlineData("heartstream/v1/devices/x/status", null)]
    public void TryGetServiceInstance_ParsesTheStatusTopic(string topic, string? instance)
    {
        Assert.Equal(instance is not null, MqttTopics.TryGetServiceInstance(topic, out string? got));
        Assert.Equal(instance, got);
    }
}
