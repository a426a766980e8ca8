using System.Globalization;

namespace Dram.Configuration;

/// <summary>Parses --umask the way Gunicorn reads it: "0o22", "022" (octal with a leading 0) or decimal.</summary>
public static class UmaskValue
{
    public static bool TryParse(string text, out int mask)
    {
        mask = 0;
        text = text.Trim();
        bool ok;
        if (text.StartsWith("0o", StringComparison.OrdinalIgnoreCase))
        {
            ok = TryOctal(text[2..], out mask);
        }
        else if (text.Length > 1 && text.StartsWith('0'))
        {
            ok = TryOctal(text[1..], out mask);
        }
        else
        {
            ok = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out mask);
        }
        return ok && mask is >= 0 and <= 0x1FF;
    }

    private static bool TryOctal(string digits, out int value)
    {
        value = 0;
        if (digits.Length == 0)
        {
            return false;
        }
        foreach (var c in digits)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }
            value = value * 8 + (c - '0');
            if (value > 0x1FF)
            {
                return false;
            }
        }
        return true;
    }
}
