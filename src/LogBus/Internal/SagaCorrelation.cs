using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;

namespace LogBus.Internal;

/// <summary>Correlation ids of saga messages: the default <c>CorrelationId</c> property and the text form of any value.</summary>
internal static class SagaCorrelation
{
    public static Func<T, object?>? Default<T>()
    {
        var property = typeof(T).GetProperty("CorrelationId", BindingFlags.Public | BindingFlags.Instance);
        if (property is null || !property.CanRead)
        {
            return null;
        }
        var parameter = Expression.Parameter(typeof(T), "message");
        var body = Expression.Convert(Expression.Property(parameter, property), typeof(object));
        return Expression.Lambda<Func<T, object?>>(body, parameter).Compile();
    }

    /// <summary>The instance key: GUIDs in <c>D</c> format, other values as invariant text; null or empty is none.</summary>
    public static string? ToKey(object? value) => value switch
    {
        null => null,
        string s => s.Length == 0 ? null : s,
        Guid g => g == Guid.Empty ? null : g.ToString("D"),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
