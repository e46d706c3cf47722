using System.Globalization;
using System.Runtime.InteropServices;
using HeartStream.TestSupport;

namespace HeartStream.Pipeline.Tests.Dsp;

/// <summary>Reads the scipy-made fixtures in Fixtures/features (see make_fixtures.py there) and real recordings.</summary>
internal static class FeatureFixtures
{
    public static string Folder => Path.Combine(RepoPaths.Fixtures("Pipeline.Tests"), "features");

    public static float[] ReadFloats(string name)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, name));
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    public static double[][] ReadCsv(string name, char separator = ',')
    {
        return File.ReadAllLines(Path.Combine(Folder, name))
            .Where(l => l.Length > 0)
            .Select(l => l.Split(separator).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
    }

    /// <summary>A few PhysioNet 2016 recordings (2 kHz, 16-bit), or empty when the shared data set is absent.</summary>
    public static IReadOnlyList<(string Name, float[] Audio)> RealRecordings(int count)
    {
        string? data = RepoPaths.SharedData;
        if (data is null)
        {
            return [];
        }

        string folder = Path.Combine(data, "physionet2016", "training-a");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.GetFiles(folder, "*.wav").Order(StringComparer.Ordinal).Take(count)
            .Select(p => (Path.GetFileName(p), ReadPcm16Mono(p))).ToList();
    }

    /// <summary>Minimal RIFF reader for 16-bit PCM mono at 2 kHz (the PhysioNet files); throws on anything else.</summary>
    public static float[] ReadPcm16Mono(string path)
    {
        byte[] b = File.ReadAllBytes(path);
        int pos = 12;
        int channels = 0, bits = 0, rate = 0;
        while (pos + 8 <= b.Length)
        {
            string id = System.Text.Encoding.ASCII.GetString(b, pos, 4);
            int size = BitConverter.ToInt32(b, pos + 4);
            if (id == "fmt ")
            {
                channels = BitConverter.ToInt16(b, pos + 10);
                rate = BitConverter.ToInt32(b, pos + 12);
                bits = BitConverter.ToInt16(b, pos + 22);
            }
            else if (id == "data")
            {
                if (channels != 1 || bits != 16 || rate != AnalysisRate.SampleRate)
                {
                    throw new InvalidDataException($"{path}: expected mono 16-bit {AnalysisRate.SampleRate} Hz, got {channels} ch {bits} bit {rate} Hz.");
                }

                int n = Math.Min(size, b.Length - pos - 8) / 2;
                var result = new float[n];
                for (int i = 0; i < n; i++)
                {
                    result[i] = BitConverter.ToInt16(b, pos + 8 + (2 * i)) / 32768f;
                }

                return result;
            }

            pos += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{path}: no data chunk.");
    }
}
