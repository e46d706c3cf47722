using System.Text;
using FsCheck;
using FsCheck.Fluent;
using HeartStream.Pipeline.Protocol;
using Xunit.Abstractions;

namespace HeartStream.Pipeline.Tests.Protocol;

/// <summary>
/// Fuzzing the acknowledge command parser (FsCheck): random bytes and mutations of a valid command never throw; a
/// rejection always carries an error; an accepted command always has an alert id.
/// </summary>
public sealed class AckPayloadFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 3000;
    private static readonly byte[] s_valid = """{"schema_version":1,"alert_id":"bed-7-tachycardia-3","acknowledged_by":"nurse-1"}"""u8.ToArray();

    [Fact]
    public void TryParseAck_RandomBytes_NeverThrows()
    {
        int rejected = 0;
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases), Prop.ForAll(
            Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf().ToArbitrary(),
            bytes => Consistent(bytes, ref rejected)));
        output.WriteLine($"{Cases} random payloads, {rejected} rejected, 0 exceptions");
    }

    [Fact]
    public void TryParseAck_MutatedValidCommand_NeverThrows()
    {
        // Mutations: a byte replaced by any byte or by a JSON-significant one, the payload cut, a fragment repeated.
        byte[] significant = Encoding.ASCII.GetBytes("{}[]\":,\\ 0-1e.nultrfa");
        int rejected = 0;
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases), Prop.ForAll(
            Gen.Choose(0, s_valid.Length - 1).ToArbitrary(),
            Gen.Choose(0, (4 * (256 + significant.Length)) - 1).ToArbitrary(), // replacement byte and repeat count
            Gen.Choose(0, s_valid.Length).ToArbitrary(),
            (index, choice, cut) =>
            {
                int value = choice % (256 + significant.Length), repeat = choice / (256 + significant.Length);
                byte[] m = (byte[])s_valid.Clone();
                m[index] = value < 256 ? (byte)value : significant[value - 256];
                m = m[..Math.Max(cut, index)];
                for (int r = 0; r < repeat && m.Length > 0; r++)
                {
                    m = [.. m, .. m[(m.Length / 2)..]];
                }

                return Consistent(m, ref rejected);
            }));
        output.WriteLine($"{Cases} mutated commands, {rejected} rejected, 0 exceptions");
    }

    private static bool Consistent(byte[] payload, ref int rejected)
    {
        bool ok = PayloadSerializer.TryParseAck(payload, out AlertAckPayload? ack, out string? error);
        if (!ok)
        {
            rejected++;
        }

        return ok ? ack is not null && !string.IsNullOrWhiteSpace(ack.AlertId) && error is null : ack is null && !string.IsNullOrEmpty(error);
    }
}
