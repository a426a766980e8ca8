using System.Text;

namespace Dram.Configuration;

/// <summary>
/// Splits GUNICORN_CMD_ARGS/DRAM_CMD_ARGS into arguments the way a POSIX shell (and Gunicorn's
/// shlex.split) does: blanks separate words, '...' is literal, "..." allows \" \\ \$ \`, and a
/// backslash outside quotes escapes the next character.
/// </summary>
public static class ShellWords
{
    /// <summary>The words of <paramref name="text"/>; throws <see cref="FormatException"/> when a quote is not closed.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case ' ' or '\t' or '\n' or '\r':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }
                    break;
                case '\'':
                    inWord = true;
                    var close = text.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new FormatException($"the single quote at character {i + 1} is not closed");
                    }
                    word.Append(text, i + 1, close - i - 1);
                    i = close;
                    break;
                case '"':
                    inWord = true;
                    var start = i;
                    for (i++; ; i++)
                    {
                        if (i >= text.Length)
                        {
                            throw new FormatException($"the double quote at character {start + 1} is not closed");
                        }
                        if (text[i] == '"')
                        {
                            break;
                        }
                        if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`' or '\n')
                        {
                            i++;
                            if (text[i] != '\n')
                            {
                                word.Append(text[i]);
                            }
                            continue;
                        }
                        word.Append(text[i]);
                    }
                    break;
                case '\\':
                    inWord = true;
                    if (i + 1 < text.Length)
                    {
                        i++;
                        if (text[i] != '\n')
                        {
                            word.Append(text[i]);
                        }
                    }
                    break;
                default:
                    inWord = true;
                    word.Append(c);
                    break;
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }
}
