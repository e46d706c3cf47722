using HeartStream.Pipeline.Alerts;
using Microsoft.Extensions.Options;

namespace HeartStream.Service;

/// <summary>Start-up validation of the "Alerts" section (ValidateOnStart), so an unknown profile fails fast.</summary>
internal sealed class AlertOptionsValidator : IValidateOptions<AlertOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
