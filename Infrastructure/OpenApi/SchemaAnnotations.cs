using System.Reflection;

namespace MinimalBackend.Infrastructure.OpenApi;

/// <summary>
/// The property takes only the values of the public string constants of <see cref="ConstantsType"/> (<c>UserRoles</c>,
/// <c>JobStates</c>): an <c>enum</c> in the OpenAPI document, read from the constants the code itself uses.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ClosedSetAttribute(Type constantsType) : Attribute
{
    public Type ConstantsType { get; } = constantsType;

    public IReadOnlyList<string> Values() =>
        [.. ConstantsType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => (string)field.GetRawConstantValue()!)];
}

/// <summary>A <c>JsonElement</c> property that always holds a JSON object whose keys are free: <c>type: object</c>, not any JSON value.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class JsonObjectValueAttribute : Attribute;

/// <summary>
/// A request body that comes in one of several shapes, each selected by one of these properties: the document
/// describes it as a <c>oneOf</c>, one shape per selector, holding the other properties and its selector (required;
/// a boolean selector as <c>true</c>), so a generated client can build only a body the server accepts.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class OneOfShapesAttribute(params string[] selectors) : Attribute
{
    public IReadOnlyList<string> Selectors { get; } = selectors;
}

/// <summary>
/// Declares an OpenAPI tag (the second route segment: <c>/api/users</c> is <c>Users</c>) and what it groups, from the
/// feature whose endpoints carry it. Features sharing a tag each add their sentence.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class ApiTagAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;

    public string Description { get; } = description;
}
