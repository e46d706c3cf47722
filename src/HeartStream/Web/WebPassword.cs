using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HeartStream.Web;

/// <summary>
/// Password hashes of the web views' users: PBKDF2-HMAC-SHA256 with a random 16-byte salt, written
/// <c>pbkdf2-sha256$iterations$salt$hash</c> (base64). Only the hash is configured; verification is constant-time.
/// </summary>
public static class WebPassword
{
    /// <summary>Iterations of a new hash (OWASP's 2023 figure for PBKDF2-HMAC-SHA256 is 600,000).</summary>
    public const int Iterations = 600_000;

    private const string Scheme = "pbkdf2-sha256";

    /// <summary>A new hash of <paramref name="password"/>.</summary>
    public static string Hash(string password, int iterations = Iterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Whether <paramref name="encoded"/> has the form <see cref="Hash"/> writes.</summary>
    public static bool IsWellFormed(string? encoded) => TryParse(encoded, out _, out _, out _);

    /// <summary>Whether <paramref name="password"/> matches <paramref name="encoded"/>.</summary>
    public static bool Verify(string encoded, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(encoded, out int iterations, out byte[] salt, out byte[] expected))
        {
            return false;
        }

        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static bool TryParse(string? encoded, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        string[] parts = (encoded ?? "").Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 10_000)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 8 && hash.Length >= 16;
    }
}
