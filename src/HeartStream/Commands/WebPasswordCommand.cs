using System.CommandLine;
using HeartStream.Web;

namespace HeartStream.Commands;

/// <summary>
/// <c>heartstream web-password</c> reads a password from standard input (one line, so it never appears in the process
/// list or the shell history) and prints its PBKDF2 hash for <c>Web:Users:N:PasswordHash</c>.
/// </summary>
internal static class WebPasswordCommand
{
    public static Command Create()
    {
        var command = new Command("web-password", "Read a password (one line on standard input) and print its hash for Web:Users:N:PasswordHash.");
        command.SetAction(_ =>
        {
            string? password = Console.In.ReadLine();
            if (string.IsNullOrEmpty(password))
            {
                Console.Error.WriteLine("error: no password on standard input (echo it through a pipe or type it and press Enter)");
                return 2;
            }

            if (password.Length < 12)
            {
                Console.Error.WriteLine("error: use at least 12 characters");
                return 2;
            }

            Console.WriteLine(WebPassword.Hash(password));
            return 0;
        });
        return command;
    }
}
