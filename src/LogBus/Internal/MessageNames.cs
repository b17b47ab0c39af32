using System.Text;

namespace LogBus.Internal;

/// <summary>Default names derived from CLR types: kebab-case topics and group ids, stable message-type names.</summary>
internal static class MessageNames
{
    /// <summary><c>OrderPlaced</c> → <c>order-placed</c>; <c>HTTPRequest</c> → <c>http-request</c>; generic arguments follow with <c>-of-</c>.</summary>
    public static string KebabCase(Type type)
    {
        var name = KebabCase(StripArity(type.Name));
        if (type.IsGenericType)
        {
            name += "-of-" + string.Join("-and-", type.GetGenericArguments().Select(KebabCase));
        }
        return name;
    }

    public static string KebabCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var prevLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var acronymEnd = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (sb.Length > 0 && sb[^1] != '-' && (prevLowerOrDigit || acronymEnd))
                {
                    sb.Append('-');
                }
                sb.Append(char.ToLowerInvariant(c));
            }
            else if (char.IsLetterOrDigit(c))
            {
                sb.Append(c);
            }
            else if (sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }
        return sb.ToString().Trim('-');
    }

    /// <summary>The default message-type name: the full CLR name without assembly, generic arguments in brackets.</summary>
    public static string DefaultTypeName(Type type)
    {
        if (!type.IsGenericType)
        {
            return (type.FullName ?? type.Name).Replace('+', '.');
        }
        var definition = type.GetGenericTypeDefinition();
        var baseName = StripArity((definition.FullName ?? definition.Name).Replace('+', '.'));
        return $"{baseName}[{string.Join(",", type.GetGenericArguments().Select(DefaultTypeName))}]";
    }

    private static string StripArity(string name)
    {
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }
}
