namespace Orders.Demo;

/// <summary>
/// One status line rewritten in place on a terminal; when the output is redirected (a file, a test),
/// a line every 2 seconds instead.
/// </summary>
internal sealed class ProgressLine(TextWriter output)
{
    private readonly bool _inPlace = !Console.IsOutputRedirected;
    private DateTime _lastPrinted = DateTime.MinValue;
    private string _last = "";
    private int _widest;

    public void Show(string line)
    {
        _last = line;
        if (_inPlace)
        {
            // Pad over the previous line when this one is shorter.
            output.Write("\r" + line.PadRight(_widest));
            _widest = Math.Max(_widest, line.Length);
            return;
        }
        if (DateTime.UtcNow - _lastPrinted >= TimeSpan.FromSeconds(2))
        {
            output.WriteLine(line);
            _lastPrinted = DateTime.UtcNow;
        }
    }

    /// <summary>Leaves the final state visible.</summary>
    public void End()
    {
        if (_inPlace)
        {
            output.WriteLine();
        }
        else
        {
            output.WriteLine(_last);
        }
    }
}
