using HeartStream.Pipeline.Live;
using Microsoft.Extensions.Options;

namespace HeartStream.Service;

/// <summary>Start-up validation of <see cref="LiveClassificationOptions"/> (ValidateOnStart), so a bad setting fails fast.</summary>
internal sealed class LiveClassificationOptionsValidator : IValidateOptions<LiveClassificationOptions>
{
    public ValidateOptionsResult Validate(string? name, LiveClassificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
