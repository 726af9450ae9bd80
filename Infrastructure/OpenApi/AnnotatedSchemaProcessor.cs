using System.Reflection;
using System.Text.Json;
using NJsonSchema;
using NJsonSchema.Generation;

namespace MinimalBackend.Infrastructure.OpenApi;

/// <summary>Applies what the features declare on their request and response types (<see cref="ClosedSetAttribute"/> and friends) to their schemas.</summary>
internal sealed class AnnotatedSchemaProcessor : ISchemaProcessor
{
    /// <summary>Marks a schema for <see cref="ClientContract"/>, which builds its <c>oneOf</c> once every schema exists.</summary>
    public const string OneOfSelectorsExtension = "x-one-of-selectors";

    public void Process(SchemaProcessorContext context)
    {
        var type = context.ContextualType.Type;
        var schema = context.Schema;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!schema.Properties.TryGetValue(JsonName(property.Name), out var target))
            {
                continue;
            }
            if (property.GetCustomAttribute<ClosedSetAttribute>() is { } closedSet)
            {
                target.Type = JsonObjectType.String;
                target.Enumeration.Clear();
                foreach (var value in closedSet.Values())
                {
                    target.Enumeration.Add(value);
                }
            }
            if (property.GetCustomAttribute<JsonObjectValueAttribute>() is not null)
            {
                target.Type = JsonObjectType.Object;
                target.AdditionalPropertiesSchema = new JsonSchema();
                target.IsNullableRaw = Nullable.GetUnderlyingType(property.PropertyType) is not null ? true : null;
            }
        }
        if (type.GetCustomAttribute<OneOfShapesAttribute>() is { } shapes)
        {
            (schema.ExtensionData ??= new Dictionary<string, object?>())[OneOfSelectorsExtension] = shapes.Selectors.Select(JsonName).ToArray();
        }
    }

    public static string JsonName(string propertyName) => JsonNamingPolicy.CamelCase.ConvertName(propertyName);
}
