using HeartStream.Pipeline.Features;

namespace HeartStream.Pipeline.Tests.Features;

public class FeatureSettingsTests
{
    [Fact]
    public void Hash_DefaultSettings_IsPinned()
    {
        // Pinned so an accidental change of a default or of the canonical text is caught: if this fails on purpose,
        // bump Algorithm and retrain the models (their manifests carry the old hash).
        string hash = FeatureSettings.Default.Hash();
        Assert.True(hash == PinnedDefaultHash, $"default settings hash is now {hash}");
        Assert.Equal(64, FeatureSettings.Default.Hash().Length);
    }

    [Fact]
    public void Hash_EqualSettings_Equal_AnyChange_Differs()
    {
        Assert.Equal(new FeatureSettings().Hash(), FeatureSettings.Default.Hash());
        string[] hashes =
        [
            FeatureSettings.Default.Hash(),
            (FeatureSettings.Default with { WindowFrames = 255 }).Hash(),
            (FeatureSettings.Default with { HopFrames = 32 }).Hash(),
            (FeatureSettings.Default with { BandPassLowHz = 25.000001 }).Hash(),
            (FeatureSettings.Default with { EnvelopeCutoffHz = 15 }).Hash(),
            (FeatureSettings.Default with { Algorithm = "springer-stream-v2" }).Hash(),
        ];
        Assert.Equal(hashes.Length, hashes.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void CanonicalText_ListsEverySettingByName()
    {
        string text = FeatureSettings.Default.CanonicalText();
        Assert.Contains("WindowFrames=256\n", text, StringComparison.Ordinal);
        Assert.Contains("BandPassHighHz=400\n", text, StringComparison.Ordinal);
        Assert.Contains("LogFloor=1E-10\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SampleRate")]
    [InlineData("FirTaps")]
    [InlineData("HopFrames")]
    [InlineData("band-pass")]
    public void Validate_BadSetting_ThrowsNamingIt(string expectedInMessage)
    {
        FeatureSettings bad = expectedInMessage switch
        {
            "SampleRate" => FeatureSettings.Default with { SampleRate = 4000 },
            "FirTaps" => FeatureSettings.Default with { FirTaps = 240 },
            "HopFrames" => FeatureSettings.Default with { HopFrames = 0 },
            _ => FeatureSettings.Default with { BandPassLowHz = 500 },
        };
        ArgumentException e = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Contains(expectedInMessage, e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new StreamingFeatureExtractor(bad));
    }

    private const string PinnedDefaultHash = "cb5d81d0ae8e2a8945accfd119d5a0e68e10b852fdde74e1ac056c0211539319";
}
