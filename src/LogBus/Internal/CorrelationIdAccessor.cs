using System.Linq.Expressions;
using System.Reflection;

namespace LogBus.Internal;

/// <summary>Compiles a getter for the conventional <c>CorrelationId</c> property (Guid or Guid?) of a message type.</summary>
internal static class CorrelationIdAccessor
{
    public static Func<T, Guid?>? Create<T>()
    {
        var property = typeof(T).GetProperty("CorrelationId", BindingFlags.Public | BindingFlags.Instance);
        if (property is null || !property.CanRead || (property.PropertyType != typeof(Guid) && property.PropertyType != typeof(Guid?)))
        {
            return null;
        }
        var parameter = Expression.Parameter(typeof(T), "message");
        Expression body = Expression.Property(parameter, property);
        if (property.PropertyType == typeof(Guid))
        {
            body = Expression.Convert(body, typeof(Guid?));
        }
        return Expression.Lambda<Func<T, Guid?>>(body, parameter).Compile();
    }
}
