using Microsoft.Extensions.Options;

namespace HeartStream.Hosting;

/// <summary>Start-up validation of <see cref="HttpOptions"/> (register with ValidateOnStart), so a typo fails fast.</summary>
public sealed class HttpOptionsValidator : IValidateOptions<HttpOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
