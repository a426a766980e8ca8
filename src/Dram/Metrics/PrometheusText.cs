using System.Globalization;
using System.Text;

namespace Dram.Metrics;

/// <summary>Writes the Prometheus text exposition format (version 0.0.4): families with HELP and TYPE, then samples.</summary>
internal sealed class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new(4096);

    public void Family(string name, string type, string help)
    {
        _text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, long value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        Start(name, labels);
        _text.Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    public void Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        Start(name, labels);
        _text.Append(Number(value)).Append('\n');
    }

    /// <summary>A value as Prometheus reads it: shortest round-trip form, +Inf for infinity.</summary>
    public static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private void Start(string name, ReadOnlySpan<(string Name, string Value)> labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    _text.Append(',');
                }
                _text.Append(labels[i].Name).Append("=\"");
                foreach (var c in labels[i].Value)
                {
                    _text.Append(c switch
                    {
                        '\\' => "\\\\",
                        '"' => "\\\"",
                        '\n' => "\\n",
                        _ => c.ToString(),
                    });
                }
                _text.Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ');
    }

    public override string ToString() => _text.ToString();
}
